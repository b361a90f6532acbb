using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Compression;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheHarness;

namespace EdgeProxy.Tests.Caching;

/// <summary>Cached entries keep one encoded copy per coding, made on first demand, within the byte bound.</summary>
public sealed class EncodedCopyTests
{
    private static readonly string Json = string.Concat(Enumerable.Range(0, 400).Select(i => $"{{\"id\":{i},\"name\":\"n{i % 9}\"}},"));

    private static (CacheHarness Harness, CompressionPolicy Compression) Stored(string contentType = "application/json", string extra = "")
    {
        var h = new CacheHarness(new CacheSettings { CompressAbove = 1024 });
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, $"Cache-Control: max-age=60\r\nContent-Type: {contentType}\r\nETag: \"v1\"{extra}", Json);
        return (h, new CompressionPolicy(new RouteCompressionConfig()));
    }

    private static (CacheOutcome Outcome, string Head, byte[] Body) Get(CacheHarness h, CompressionPolicy compression, params string[] headers)
    {
        var (head, request) = CacheTestMessages.Request("/a", "GET", headers);
        var pipe = new Pipe();
        var outcome = new CacheExchange(h.Cache).TryServe(pipe.Writer, head, request, h.Policy, h.Context(), h.Now, compression);
        pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        pipe.Reader.TryRead(out var read);
        var bytes = read.Buffer.ToArray();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        var split = bytes.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        return (outcome, Encoding.ASCII.GetString(bytes, 0, split), bytes[split..]);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("gzip")]
    public void A_client_accepting_a_coding_gets_the_encoded_copy_made_once(string codec)
    {
        var (h, compression) = Stored();
        var before = h.Cache.Count;

        var first = Get(h, compression, "Accept-Encoding: " + codec);
        Assert.Equal(CacheOutcome.Hit, first.Outcome);
        Assert.Equal(codec, Header(first.Head, "Content-Encoding"));
        Assert.Equal("Accept-Encoding", Header(first.Head, "Vary"));
        Assert.Equal("W/\"v1\"", Header(first.Head, "ETag"));
        Assert.Equal(first.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(first.Head, "Content-Length"));
        Assert.True(first.Body.Length < Json.Length / 3);
        Assert.Equal(Json, Encoding.ASCII.GetString(Decode(codec, first.Body)));
        Assert.Equal(before + 1, h.Cache.Count);

        var second = Get(h, compression, "Accept-Encoding: " + codec);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(before + 1, h.Cache.Count);
    }

    [Fact]
    public void A_client_without_accept_encoding_gets_identity_that_says_it_varies()
    {
        var (h, compression) = Stored();
        var (outcome, head, body) = Get(h, compression);
        Assert.Equal(CacheOutcome.Hit, outcome);
        Assert.Null(Header(head, "Content-Encoding"));
        Assert.Equal("Accept-Encoding", Header(head, "Vary"));
        Assert.Equal(Json, Encoding.ASCII.GetString(body));
    }

    [Fact]
    public void Ineligible_entries_are_served_as_stored()
    {
        var (png, compression) = Stored("image/png");
        var (_, head, _) = Get(png, compression, "Accept-Encoding: br");
        Assert.Null(Header(head, "Content-Encoding"));
        Assert.Null(Header(head, "Vary"));

        var (noTransform, c2) = Stored(extra: "\r\nCache-Control: no-transform");
        Assert.Null(Header(Get(noTransform, c2, "Accept-Encoding: br").Head, "Content-Encoding"));
    }

    [Fact]
    public void Upstream_vary_is_merged_and_purge_by_key_takes_the_copies()
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange, headers: "Accept-Language: en");
        h.Fetch(exchange, "Cache-Control: max-age=60\r\nContent-Type: text/plain\r\nVary: Accept-Language", Json, requestHeaders: "Accept-Language: en");
        var compression = new CompressionPolicy(new RouteCompressionConfig());

        var (_, head, _) = Get(h, compression, "Accept-Language: en", "Accept-Encoding: gzip");
        Assert.Equal("Accept-Language, Accept-Encoding", Header(head, "Vary"));
        Assert.Equal(3, h.Cache.Count);
        Assert.Equal(3, h.Cache.PurgeKey(exchange.Key.BaseKey));
    }

    [Fact]
    public void Encoded_copy_hit_allocates_nothing()
    {
        var (h, compression) = Stored();
        var (head, request) = CacheTestMessages.Request("/a", "GET", "Accept-Encoding: gzip, br");
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var hit = new CacheExchange(h.Cache);

        void Once()
        {
            if (hit.TryServe(pipe.Writer, head, request, h.Policy, h.Context(), h.Now, compression) != CacheOutcome.Hit)
            {
                throw new InvalidOperationException();
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

    private static byte[] Decode(string codec, byte[] encoded)
    {
        using var input = new MemoryStream(encoded);
        using Stream decoder = codec switch
        {
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            _ => new ZstdSharp.DecompressionStream(input),
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }
}
