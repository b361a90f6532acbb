using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Tests.Http;

public sealed class Http11ParserTests
{
    private static (RequestHead Request, byte[] Head) Parse(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var length = HeadFramer.FindEnd(bytes, 8192, 32768);
        Assert.True(length > 0, "head incomplete");
        var request = new RequestHead(100);
        Http11Parser.ParseRequest(bytes.AsSpan(0, length), request, 100);
        return (request, bytes);
    }

    private static RejectReason Reject(string text)
    {
        var e = Assert.Throws<BadRequestException>(() => Parse(text));
        return e.Reason;
    }

    [Fact]
    public void Parses_request_line_and_headers_as_offsets()
    {
        var (request, head) = Parse("POST /a/b?x=1 HTTP/1.1\r\nHost: example.test\r\nContent-Length: 12\r\nX-Empty:\r\nX-Pad:   v  \r\n\r\n");
        Assert.Equal("POST", Encoding.ASCII.GetString(request.Method(head)));
        Assert.Equal("/a/b", Encoding.ASCII.GetString(request.Path(head)));
        Assert.Equal("?x=1", Encoding.ASCII.GetString(request.Query(head)));
        Assert.Equal("example.test", Encoding.ASCII.GetString(request.Host(head)));
        Assert.Equal(12, request.Headers.ContentLength);
        Assert.Equal(HttpVersion.Http11, request.Version);
        Assert.Equal(4, request.Headers.Count);
        Assert.Equal("", Encoding.ASCII.GetString(request.Headers.Value(head, 2)));
        Assert.Equal("v", Encoding.ASCII.GetString(request.Headers.Value(head, 3)));
        Assert.True(request.KeepAlive);
        Assert.True(request.HasBody);
    }

    [Fact]
    public void Connection_options_mark_named_headers_for_removal()
    {
        var (request, head) = Parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Foo\r\nX-Foo: 1\r\nX-Bar: 2\r\nKeep-Alive: 1\r\n\r\n");
        Assert.True(request.Headers.ConnectionClose);
        Assert.False(request.KeepAlive);
        var dropped = Enumerable.Range(0, request.Headers.Count).Where(i => request.Headers.Entries[i].Drop)
            .Select(i => Encoding.ASCII.GetString(request.Headers.Name(head, i))).ToArray();
        Assert.Equal(["Connection", "X-Foo", "Keep-Alive"], dropped);
    }

    [Fact]
    public void Http10_defaults_to_close_and_needs_no_host()
    {
        var (request, _) = Parse("GET / HTTP/1.0\r\n\r\n");
        Assert.False(request.KeepAlive);
        var (keep, _) = Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        Assert.True(keep.KeepAlive);
    }

    [Fact]
    public void Upgrade_needs_connection_option_and_header()
    {
        Assert.True(Parse("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").Request.IsUpgrade);
        Assert.False(Parse("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").Request.IsUpgrade);
    }

    [Theory]
    [MemberData(nameof(HttpParsingData.InvalidRequests), MemberType = typeof(HttpParsingData))]
    public void Corpus_cases_with_invalid_heads_are_rejected(string name, string request, int status)
    {
        // Chunk-body cases have valid heads; they are caught while streaming the body (socket-level tests).
        if (name.StartsWith("chunk", StringComparison.Ordinal))
        {
            return;
        }

        var reason = Reject(request);
        Assert.True(status == RejectReasons.StatusCode(reason), $"{name}: {reason} maps to {RejectReasons.StatusCode(reason)}, expected {status}");
    }

    [Fact]
    public void Every_prefix_of_a_valid_head_is_incomplete_not_an_error()
    {
        var bytes = Encoding.ASCII.GetBytes("GET /x HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\r\n");
        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.Equal(0, HeadFramer.FindEnd(bytes.AsSpan(0, i), 8192, 32768));
        }

        Assert.Equal(bytes.Length, HeadFramer.FindEnd(bytes, 8192, 32768));
    }

    [Fact]
    public void Framer_enforces_limits_before_the_head_is_complete()
    {
        var longLine = Encoding.ASCII.GetBytes("GET /" + new string('a', 200));
        Assert.Equal(RejectReason.RequestLineTooLong, Assert.Throws<BadRequestException>(() => HeadFramer.FindEnd(longLine, 100, 1000)).Reason);
        var bigHead = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nX: " + new string('a', 2000));
        Assert.Equal(RejectReason.HeadersTooLarge, Assert.Throws<BadRequestException>(() => HeadFramer.FindEnd(bigHead, 100, 1000)).Reason);
    }

    [Fact]
    public void Response_parser_reads_status_and_framing()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n");
        var response = new ResponseHead(10);
        Http11Parser.ParseResponse(bytes, response, 10);
        Assert.Equal(404, response.StatusCode);
        Assert.Equal("Not Found", Encoding.ASCII.GetString(response.Reason(bytes)));
        Assert.Equal(BodyFraming.Chunked, response.Framing(requestWasHead: false));
        Assert.Equal(BodyFraming.None, response.Framing(requestWasHead: true));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n")]
    public void Response_parser_rejects_malformed_heads(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.Throws<BadResponseException>(() => Http11Parser.ParseResponse(bytes, new ResponseHead(10), 10));
    }
}
