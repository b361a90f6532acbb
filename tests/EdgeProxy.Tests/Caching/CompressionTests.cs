using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Text;
using EdgeProxy.Compression;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheTestMessages;

namespace EdgeProxy.Tests.Caching;

/// <summary>Accept-Encoding negotiation, the per-response rules, streaming codec round trips and the header edits.</summary>
public sealed class CompressionTests
{
    private static readonly ContentCodec[] All = [ContentCodec.Brotli, ContentCodec.Zstd, ContentCodec.Gzip];

    private static ContentCodec Choose(string acceptEncoding, params ContentCodec[] offered) =>
        AcceptEncoding.Choose(Encoding.ASCII.GetBytes(acceptEncoding), offered.Length == 0 ? All : offered);

    [Theory]
    [InlineData("", "identity")]
    [InlineData("identity", "identity")]
    [InlineData("gzip", "gzip")]
    [InlineData("x-gzip", "gzip")]
    [InlineData("gzip, deflate, br", "br")]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br;q=0.5, gzip;q=0.9", "gzip")]
    [InlineData("br;q=0.5, zstd;q=0.8, gzip;q=0.8", "zstd")]
    [InlineData("*", "br")]
    [InlineData("*;q=0.5, br;q=0", "zstd")]
    [InlineData("gzip;q=0", "identity")]
    [InlineData("GZIP ; Q=1", "gzip")]
    [InlineData("br;q=bogus, gzip;q=0.1", "gzip")]
    [InlineData("br;q=1.5, gzip", "gzip")]
    public void Negotiation_follows_q_values_then_the_route_order(string header, string expected)
    {
        Assert.Equal(ContentCodecs.Parse(expected), Choose(header));
    }

    [Fact]
    public void Only_the_route_codecs_are_chosen()
    {
        Assert.Equal(ContentCodec.Gzip, Choose("br, gzip", ContentCodec.Gzip));
        Assert.Equal(ContentCodec.None, Choose("br", ContentCodec.Gzip));
        Assert.Equal(ContentCodec.Gzip, Choose("br, gzip", ContentCodec.Gzip, ContentCodec.Brotli));
    }

    private static CompressionDecision Decide(string[] request, int status, params string[] response)
    {
        var policy = new CompressionPolicy(new RouteCompressionConfig { MinSize = 100, Types = new[] { "application/json", "text/*" } });
        var (requestHead, parsedRequest) = Request("/a", "GET", request);
        var (responseHead, parsedResponse) = Response(status, response);
        return policy.Decide(requestHead, parsedRequest, responseHead, parsedResponse);
    }

    [Fact]
    public void Eligible_response_is_compressed_with_the_negotiated_codec()
    {
        var d = Decide(["Accept-Encoding: gzip, br"], 200, "Content-Type: application/json; charset=utf-8", "Content-Length: 5000");
        Assert.Equal(new CompressionDecision(ContentCodec.Brotli, true), d);
        Assert.Equal(ContentCodec.Gzip, Decide(["Accept-Encoding: gzip"], 200, "Content-Type: TEXT/CSV", "Transfer-Encoding: chunked").Codec);
    }

    [Fact]
    public void Client_without_accept_encoding_gets_identity_but_the_response_still_varies()
    {
        Assert.Equal(new CompressionDecision(ContentCodec.None, true), Decide([], 200, "Content-Type: application/json", "Content-Length: 5000"));
    }

    [Theory]
    [InlineData(200, "Content-Type: image/png", "Content-Length: 5000")]
    [InlineData(200, "Content-Type: application/json", "Content-Length: 99")]
    [InlineData(200, "Content-Type: application/json", "Content-Length: 5000", "Content-Encoding: gzip")]
    [InlineData(200, "Content-Type: application/json", "Content-Length: 5000", "Cache-Control: public, no-transform")]
    [InlineData(206, "Content-Type: application/json", "Content-Length: 5000", "Content-Range: bytes 0-4999/10000")]
    [InlineData(204)]
    [InlineData(304, "Content-Type: application/json")]
    [InlineData(200, "Content-Length: 5000")]
    public void Ineligible_responses_are_left_alone(int status, params string[] response)
    {
        Assert.False(Decide(["Accept-Encoding: gzip"], status, response).Compress);
    }

    [Fact]
    public void Range_requests_and_head_requests_are_never_compressed()
    {
        Assert.False(Decide(["Accept-Encoding: gzip", "Range: bytes=0-10"], 200, "Content-Type: application/json", "Content-Length: 5000").Compress);
        var policy = new CompressionPolicy(new RouteCompressionConfig());
        var (requestHead, request) = Request("/a", "HEAD", "Accept-Encoding: gzip");
        var (responseHead, response) = Response(200, "Content-Type: application/json", "Content-Length: 5000");
        Assert.False(policy.Decide(requestHead, request, responseHead, response).Compress);
    }

    [Theory]
    [InlineData("br", false)]
    [InlineData("zstd", false)]
    [InlineData("gzip", false)]
    [InlineData("br", true)]
    [InlineData("zstd", true)]
    [InlineData("gzip", true)]
    public async Task Codecs_round_trip_through_the_streaming_writer(string codecName, bool chunked)
    {
        var codec = ContentCodecs.Parse(codecName);
        var body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"{{\"id\":{i},\"name\":\"item {i % 17}\"}},")));
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = new CompressingBodyWriter();
        writer.Start(pipe.Writer, codec, chunked);

        // As the body copier does: several writes of upstream-read size.
        for (var i = 0; i < body.Length; i += 7000)
        {
            writer.Write(body.AsSpan(i, Math.Min(7000, body.Length - i)));
        }

        writer.Finish();
        await pipe.Writer.FlushAsync();
        pipe.Reader.TryRead(out var read);
        var wire = read.Buffer.ToArray();
        pipe.Reader.AdvanceTo(read.Buffer.End);

        var encoded = chunked ? Dechunk(wire) : wire;
        Assert.Equal(encoded.Length, writer.BytesOut);
        Assert.Equal(body.Length, writer.BytesIn);
        Assert.True(encoded.Length < body.Length / 4, $"{codec}: {encoded.Length} of {body.Length}");
        Assert.Equal(body, Decode(codec, encoded));
    }

    [Fact]
    public void Header_edits_for_a_compressed_response()
    {
        var (head, response) = Response(200, "Content-Type: text/plain", "Content-Length: 5000", "ETag: \"abc\"", "Vary: Accept-Language");
        var decision = new CompressionDecision(ContentCodec.Gzip, true);
        var pipe = new Pipe();
        var w = new HeadWriter(pipe.Writer);
        CompressingBodyWriter.WriteHeaders(ref w, head, response, decision);
        w.Commit();

        Assert.Equal("ETag: W/\"abc\"\r\nVary: Accept-Language, Accept-Encoding\r\nContent-Encoding: gzip\r\n", CacheHarness.Drain(pipe));
        Assert.True(CompressingBodyWriter.IsReplaced("Content-Length"u8, decision));
        Assert.True(CompressingBodyWriter.IsReplaced("etag"u8, decision));
        Assert.False(CompressingBodyWriter.IsReplaced("Content-Type"u8, decision));
        Assert.False(CompressingBodyWriter.IsReplaced("ETag"u8, new CompressionDecision(ContentCodec.None, true)));
    }

    private static byte[] Decode(ContentCodec codec, byte[] encoded)
    {
        using var input = new MemoryStream(encoded);
        using Stream decoder = codec switch
        {
            ContentCodec.Brotli => new BrotliStream(input, CompressionMode.Decompress),
            ContentCodec.Gzip => new GZipStream(input, CompressionMode.Decompress),
            _ => new ZstdSharp.DecompressionStream(input),
        };
        using var output = new MemoryStream();
        decoder.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>A strict chunked decoder for the test: sizes, CRLFs and the last chunk must all be right.</summary>
    private static byte[] Dechunk(byte[] wire)
    {
        var output = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = wire.AsSpan(position).IndexOf("\r\n"u8);
            Assert.True(lineEnd > 0, "chunk size line");
            var size = Convert.ToInt32(Encoding.ASCII.GetString(wire, position, lineEnd), 16);
            position += lineEnd + 2;
            if (size == 0)
            {
                Assert.Equal("\r\n", Encoding.ASCII.GetString(wire, position, wire.Length - position));
                return output.ToArray();
            }

            output.Write(wire, position, size);
            position += size;
            Assert.Equal("\r\n", Encoding.ASCII.GetString(wire, position, 2));
            position += 2;
        }
    }
}

/// <summary>The miss path as the request loop will compose it: body copier → cache tee (identity) → compressor → client.</summary>
public sealed class TeeIntoCompressorTests
{
    [Fact]
    public async Task The_cache_stores_identity_while_the_client_gets_a_compressed_chunked_stream()
    {
        var h = new CacheHarness();
        var exchange = new EdgeProxy.Caching.CacheExchange(h.Cache);
        Assert.Equal(EdgeProxy.Caching.CacheOutcome.Miss, h.Serve(exchange).Outcome);
        var (requestHead, request) = Request("/a", "GET", "Accept-Encoding: gzip");
        var (responseHead, response) = Response(200, "Cache-Control: max-age=60", "Content-Type: application/json", "Transfer-Encoding: chunked");
        Assert.True(exchange.BeginStore(requestHead, request, responseHead, response, EdgeProxy.Routing.HeaderTransform.Empty, h.Now));

        var client = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var compressor = new CompressingBodyWriter();
        compressor.Start(client.Writer, ContentCodec.Gzip, chunked: true);
        var tee = new EdgeProxy.Caching.CacheTeeWriter();
        tee.Start(compressor, exchange, chunked: false);
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"k\":\"value\"},", 2000)));
        for (var i = 0; i < body.Length; i += 5000)
        {
            tee.Write(body.AsSpan(i, Math.Min(5000, body.Length - i)));
            await tee.FlushAsync();
        }

        compressor.Finish();
        exchange.CompleteStore(true);
        await client.Writer.FlushAsync();
        client.Reader.TryRead(out var read);
        var wire = read.Buffer.ToArray();
        client.Reader.AdvanceTo(read.Buffer.End);

        using var gzip = new GZipStream(new MemoryStream(Dechunk(wire)), CompressionMode.Decompress);
        using var decoded = new MemoryStream();
        await gzip.CopyToAsync(decoded);
        Assert.Equal(body, decoded.ToArray());
        Assert.Equal(Encoding.ASCII.GetString(body), CacheHarness.Body(h.Serve(new EdgeProxy.Caching.CacheExchange(h.Cache)).Written));
    }

    private static byte[] Dechunk(byte[] wire)
    {
        var output = new MemoryStream();
        var position = 0;
        while (true)
        {
            var lineEnd = wire.AsSpan(position).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(Encoding.ASCII.GetString(wire, position, lineEnd), 16);
            position += lineEnd + 2;
            if (size == 0)
            {
                return output.ToArray();
            }

            output.Write(wire, position, size);
            position += size + 2;
        }
    }
}
