using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Caching;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;
using EdgeProxy.Routing;

namespace EdgeProxy.Benchmarks.Caching;

/// <summary>
/// The cache hit path: parse facts, build the key (sorted query), look up, write head and body into a pipe and hand
/// it to the reader, for a small JSON body, a 64 KiB body held raw, and the same held LZ4-compressed (what the
/// memory saving costs per hit). Expected: 0 B allocated in all three.
/// </summary>
[MemoryDiagnoser]
public class CacheHitBenchmarks
{
    private readonly Pipe _pipe = new(new PipeOptions(minimumSegmentSize: 128 * 1024, pauseWriterThreshold: 0, useSynchronizationContext: false));
    private byte[] _head = [];
    private RequestHead _request = null!;
    private RouteCachePolicy _policy = null!;
    private CacheExchange _small = null!;
    private CacheExchange _large = null!;
    private CacheExchange _largeLz4 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _head = Encoding.ASCII.GetBytes("GET /api/items?page=2&sort=name HTTP/1.1\r\nHost: api.example.com\r\nAccept: application/json\r\nUser-Agent: bench\r\n\r\n");
        _request = new RequestHead(100);
        Http11Parser.ParseRequest(_head, _request, 100);
        _policy = new RouteCachePolicy("api", new RouteCacheConfig { Ttl = TimeSpan.FromHours(1) });
        var json = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"id\":{i},\"name\":\"item {i % 50}\",\"ok\":true}},"));
        _small = Filled(new CacheSettings(), json[..1024]);
        _large = Filled(new CacheSettings(), json[..(64 * 1024)]);
        _largeLz4 = Filled(new CacheSettings { CompressAbove = 16 * 1024 }, json[..(64 * 1024)]);
    }

    private CacheExchange Filled(CacheSettings settings, string body)
    {
        var cache = new ResponseCache(settings, new CacheMetrics(export: false));
        var exchange = new CacheExchange(cache);
        var pipe = new Pipe();
        if (exchange.TryServe(pipe.Writer, _head, _request, _policy, Context(), Now) != CacheOutcome.Miss)
        {
            throw new InvalidOperationException("expected a miss");
        }

        var responseHead = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nETag: \"v1\"\r\n\r\n");
        var response = new ResponseHead(100);
        Http11Parser.ParseResponse(responseHead, response, 100);
        exchange.BeginStore(_head, _request, responseHead, response, HeaderTransform.Empty, Now);
        exchange.AppendBody(Encoding.ASCII.GetBytes(body));
        exchange.CompleteStore(true);
        return new CacheExchange(cache);
    }

    private static long Now => 1_700_000_000_000;

    private static CacheServeContext Context() => new()
    {
        RequestId = "0123456789abcdef"u8,
        Via = "1.1 edgeproxy"u8,
        CacheName = "edgeproxy"u8,
        KeepAlive = true,
        ClientVersion = HttpVersion.Http11,
        Scheme = "http"u8,
    };

    [Benchmark(Baseline = true)]
    public int Hit_1KiB() => Serve(_small);

    [Benchmark]
    public int Hit_64KiB() => Serve(_large);

    [Benchmark]
    public int Hit_64KiB_lz4() => Serve(_largeLz4);

    private int Serve(CacheExchange exchange)
    {
        var outcome = exchange.TryServe(_pipe.Writer, _head, _request, _policy, Context(), Now);
        _ = _pipe.Writer.FlushAsync();
        _pipe.Reader.TryRead(out var read);
        var length = (int)read.Buffer.Length;
        _pipe.Reader.AdvanceTo(read.Buffer.End);
        return outcome == CacheOutcome.Hit ? length : -1;
    }
}
