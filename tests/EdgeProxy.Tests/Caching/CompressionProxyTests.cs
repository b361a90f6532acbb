using System.IO.Compression;
using System.Net.Sockets;
using System.Text;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Caching;

/// <summary>Response compression on the request path, over real sockets against a real upstream.</summary>
public sealed class CompressionProxyTests
{
    private const string Target = "/cacheable?pad=4000";

    private static string Config(TestUpstream upstream, string extra = "") =>
        TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url) + $$"""
            [[routes]]
            id = "compressed"
            cluster = "app"
            path_prefix = "/"
            compression = { types = ["text/plain"], min_size = "1KiB" }
            {{extra}}
            """);

    private static async Task<RawResponse> GetAsync(RawClient client, string acceptEncoding, string version = "HTTP/1.1")
    {
        var accept = acceptEncoding.Length == 0 ? "" : $"Accept-Encoding: {acceptEncoding}\r\n";
        await client.SendAsync($"GET {Target} {version}\r\nHost: api\r\n{accept}\r\n");
        return await client.ReadResponseAsync();
    }

    private static string Decode(RawResponse response)
    {
        using var input = new MemoryStream(response.Body);
        using Stream decoder = response.Header("Content-Encoding") switch
        {
            "gzip" => new GZipStream(input, CompressionMode.Decompress),
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "zstd" => new ZstdSharp.DecompressionStream(input),
            _ => input,
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("br", "br")]
    [InlineData("zstd", "zstd")]
    [InlineData("gzip;q=0.5, br;q=1.0", "br")]
    [InlineData("br;q=0, gzip", "gzip")]
    public async Task The_body_is_compressed_with_the_client_s_preferred_codec(string acceptEncoding, string expected)
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();

        var response = await GetAsync(client, acceptEncoding);
        Assert.Equal(200, response.Status);
        Assert.Equal(expected, response.Header("Content-Encoding"));
        Assert.Contains("Accept-Encoding", response.Header("Vary"), StringComparison.Ordinal);
        Assert.False(response.Has("Content-Length") && response.Header("Transfer-Encoding") is null && response.Body.Length > 4000);
        Assert.True(response.Body.Length < 1000, $"{response.Body.Length} bytes on the wire for a 4 KiB text");
        var text = Decode(response);
        Assert.StartsWith("hit 1 ", text, StringComparison.Ordinal);
        Assert.Equal(4006, text.Length);

        // The connection stays usable: the compressed body was framed (chunked) correctly.
        Assert.Equal(200, (await GetAsync(client, acceptEncoding)).Status);
    }

    [Fact]
    public async Task Without_accept_encoding_the_body_is_identity_with_vary()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        var response = await GetAsync(client, "");
        Assert.False(response.Has("Content-Encoding"));
        Assert.Equal(4006, response.Body.Length);
        Assert.Contains("Accept-Encoding", response.Header("Vary"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http10_client_gets_a_compressed_body_delimited_by_close()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        await client.SendAsync($"GET {Target} HTTP/1.0\r\nHost: api\r\nAccept-Encoding: gzip\r\n\r\n");
        var bytes = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((read = await client.Stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            bytes.Write(buffer, 0, read);
        }

        var raw = bytes.ToArray();
        var headEnd = raw.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        var head = Encoding.ASCII.GetString(raw, 0, headEnd);
        Assert.Contains("Content-Encoding: gzip", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", head, StringComparison.Ordinal);
        using var gzip = new GZipStream(new MemoryStream(raw, headEnd, raw.Length - headEnd), CompressionMode.Decompress);
        using var text = new StreamReader(gzip);
        Assert.Equal(4006, (await text.ReadToEndAsync()).Length);
    }

    [Fact]
    public async Task A_cached_entry_is_stored_once_and_served_encoded_per_client()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream, "cache = { ttl = \"60s\" }"));
        using var client = gateway.Connect();

        var miss = await GetAsync(client, "gzip");
        Assert.Equal("MISS", miss.Header("X-Cache"));
        Assert.Equal("gzip", miss.Header("Content-Encoding"));

        var brotli = await GetAsync(client, "br");
        Assert.Equal("HIT", brotli.Header("X-Cache"));
        Assert.Equal("br", brotli.Header("Content-Encoding"));
        Assert.StartsWith("hit 1 ", Decode(brotli), StringComparison.Ordinal);

        var identity = await GetAsync(client, "");
        Assert.Equal("HIT", identity.Header("X-Cache"));
        Assert.False(identity.Has("Content-Encoding"));
        Assert.Equal(4006, identity.Body.Length);
        Assert.Equal(1, upstream.CacheableHits);
    }

    [Fact]
    public async Task A_compressed_event_stream_reaches_the_client_event_by_event()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url) + """
            [[routes]]
            id = "events"
            cluster = "app"
            path_prefix = "/"
            compression = { types = ["text/event-stream"], min_size = "0B" }
            """));
        using var client = gateway.Connect();
        await client.SendAsync("GET /sse HTTP/1.1\r\nHost: api\r\nAccept-Encoding: gzip\r\n\r\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var headers = new List<string>();
        for (var line = await client.ReadLineAsync(cts.Token); !string.IsNullOrEmpty(line); line = await client.ReadLineAsync(cts.Token))
        {
            headers.Add(line);
        }

        Assert.Contains("Content-Encoding: gzip", headers);
        Assert.Contains("Transfer-Encoding: chunked", headers);

        // The first event arrives compressed while the upstream still holds the stream open.
        var compressed = new MemoryStream();
        var decoded = "";
        while (!decoded.Contains("data: first", StringComparison.Ordinal))
        {
            var size = Convert.ToInt32(await client.ReadLineAsync(cts.Token), 16);
            Assert.NotEqual(0, size);
            compressed.Write(await client.ReadExactlyAsync(size, cts.Token));
            await client.ReadLineAsync(cts.Token);
            decoded = DecodePrefix(compressed.ToArray());
        }

        Assert.False(upstream.SseRelease.Task.IsCompleted, "the upstream was still mid-stream");
        upstream.SseRelease.TrySetResult();
    }

    /// <summary>What a gzip stream cut at a flush point decodes to so far.</summary>
    private static string DecodePrefix(byte[] gzip)
    {
        using var decoder = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            for (var read = decoder.Read(buffer); read > 0; read = decoder.Read(buffer))
            {
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            // The stream is not finished yet: keep what decoded.
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }
}
