using System.Text;
using EdgeProxy.LoadTests.Http;

namespace EdgeProxy.LoadTests.Tests;

public class ResponseParserTests
{
    public static TheoryData<string, int, long, bool> CompleteResponses() => new()
    {
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, 5, true },
        { "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", 404, 0, true },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", 200, 11, true },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\nTrailer: yes\r\n\r\n", 200, 1, true },
        { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, 2, true },
        { "HTTP/1.1 204 No Content\r\n\r\n", 204, 0, true },
        { "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", 304, 0, true },
        { "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 200, 1, false },
        { "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, 1, false },
        { "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", 200, 1, true },
        { "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 101, 0, true },
    };

    [Theory]
    [MemberData(nameof(CompleteResponses))]
    public void CompleteResponse_InOnePiece(string response, int status, long bodyBytes, bool keepAlive)
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest: false);
        var bytes = Encoding.ASCII.GetBytes(response);

        Assert.Equal(ParseStatus.Complete, parser.Parse(bytes, out var consumed, null));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(status, parser.StatusCode);
        Assert.Equal(bodyBytes, parser.BodyBytes);
        Assert.Equal(keepAlive, parser.KeepAlive);
    }

    [Theory]
    [MemberData(nameof(CompleteResponses))]
    public void CompleteResponse_SplitAtEveryByte(string response, int status, long bodyBytes, bool keepAlive)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        for (var split = 1; split < bytes.Length; split++)
        {
            var parser = new ResponseParser();
            parser.Reset(headRequest: false);
            var buffer = new List<byte>(bytes[..split]);
            var result = parser.Parse(buffer.ToArray(), out var consumed, null);
            Assert.Equal(ParseStatus.NeedMore, result);
            buffer.RemoveRange(0, consumed);
            buffer.AddRange(bytes[split..]);

            Assert.Equal(ParseStatus.Complete, parser.Parse(buffer.ToArray(), out consumed, null));
            Assert.Equal(buffer.Count, consumed);
            Assert.Equal((status, bodyBytes, keepAlive), (parser.StatusCode, parser.BodyBytes, parser.KeepAlive));
        }
    }

    [Fact]
    public void HeadRequest_HasNoBodyWhateverContentLengthSays()
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest: true);

        Assert.Equal(ParseStatus.Complete, parser.Parse("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"u8, out _, null));
        Assert.Equal(0, parser.BodyBytes);
    }

    [Fact]
    public void CloseDelimitedBody_EndsAtEndOfStream()
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest: false);

        Assert.Equal(ParseStatus.NeedMore, parser.Parse("HTTP/1.1 200 OK\r\n\r\nsome body"u8, out var consumed, null));
        Assert.Equal(28, consumed);
        Assert.Equal(ParseStatus.Complete, parser.OnEndOfStream());
        Assert.Equal(9, parser.BodyBytes);
        Assert.False(parser.KeepAlive);
    }

    [Fact]
    public void TruncatedBody_FailsAtEndOfStream()
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest: false);
        parser.Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"u8, out _, null);

        Assert.Equal(ParseStatus.Error, parser.OnEndOfStream());
    }

    [Theory]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 abc OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz")]
    public void InvalidResponse_IsAProtocolError(string response)
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest: false);

        Assert.Equal(ParseStatus.Error, parser.Parse(Encoding.ASCII.GetBytes(response), out _, null));
        Assert.NotNull(parser.Error);
        Assert.False(parser.KeepAlive);
    }

    [Fact]
    public void Observer_SeesChunkedBodyBytesAndCanStop()
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest: false);
        var counter = new Engine.SseSubscription.EventCounter(stopAfter: 2);
        var stream = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "f\r\nid: 1\ndata: a\n\n\r\n"
            + "9\r\n: comment\r\n"
            + "2\r\n\n\n\r\n"
            + "10\r\ndata: b\r\n\r\ndata:\r\n";

        Assert.Equal(ParseStatus.Complete, parser.Parse(Encoding.ASCII.GetBytes(stream), out _, counter));
        Assert.True(parser.Stopped);
        Assert.False(parser.KeepAlive);
        Assert.Equal(2, counter.Events);
    }
}
