using System.IO.Pipelines;
using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheTestMessages;

namespace EdgeProxy.Tests.Caching;

/// <summary>The hit path allocates nothing: lookup, key, head and body (raw and LZ4) written into a pipe.</summary>
public sealed class CacheAllocationTests
{
    [Theory]
    [InlineData(0, 512)]
    [InlineData(1024, 16 * 1024)]
    public void Cache_hit_allocates_nothing(long compressAbove, int bodyBytes)
    {
        var h = new CacheHarness(new CacheSettings { CompressAbove = compressAbove });
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange, "/items?b=2&a=1");
        h.Fetch(exchange, "Cache-Control: max-age=600\r\nContent-Type: application/json\r\nETag: \"e\"", new string('a', bodyBytes), "/items?b=2&a=1");
        var (head, request) = Request("/items?a=1&b=2", "GET", "Accept: */*");
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 64 * 1024, pauseWriterThreshold: 0));
        var hit = new CacheExchange(h.Cache);

        void Once()
        {
            var outcome = hit.TryServe(pipe.Writer, head, request, h.Policy, h.Context(), h.Now);
            if (outcome != CacheOutcome.Hit)
            {
                throw new InvalidOperationException(outcome.ToString());
            }

            _ = pipe.Writer.FlushAsync();
            pipe.Reader.TryRead(out var read);
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }

        for (var i = 0; i < 100; i++)
        {
            Once();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Once();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
