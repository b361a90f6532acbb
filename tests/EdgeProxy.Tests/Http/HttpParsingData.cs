namespace EdgeProxy.Tests.Http;

/// <summary>
/// The shared wire-conformance corpus: parser unit tests and socket-level tests both run it.
/// Each invalid case is (name, raw request, expected status).
/// </summary>
public static class HttpParsingData
{
    public static TheoryData<string, string, int> InvalidRequests => new()
    {
        { "CL and TE together", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "TE then CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400 },
        { "duplicate CL same value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400 },
        { "CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", 400 },
        { "CL sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400 },
        { "CL negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400 },
        { "CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400 },
        { "CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400 },
        { "TE not final chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400 },
        { "TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400 },
        { "TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400 },
        { "TE two lines", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400 },
        { "TE gzip then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
        { "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400 },
        { "bare LF in header", "GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n", 400 },
        { "bare LF request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400 },
        { "bare LF terminator", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400 },
        { "bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", 400 },
        { "NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n", 400 },
        { "control char in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0001c\r\n\r\n", 400 },
        { "DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u007fc\r\n\r\n", 400 },
        { "space before colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", 400 },
        { "tab before colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n", 400 },
        { "empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400 },
        { "invalid header name char", "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", 400 },
        { "no colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A b\r\n\r\n", 400 },
        { "missing host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400 },
        { "duplicate host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
        { "invalid method char", "G(ET / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400 },
        { "version garbage", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400 },
        { "version too short", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400 },
        { "HTTP/2.0 on the wire", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
        { "HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505 },
        { "two spaces in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "trailing space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400 },
        { "no version", "GET /\r\nHost: a\r\n\r\n", 400 },
        { "target with control char", "GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "target not origin form", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "asterisk not OPTIONS", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501 },
        { "unknown expectation", "GET / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", 417 },
        { "non-ascii in target", "GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", 400 },
        { "chunk size not hex", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n\r\n", 400 },
        { "chunk size with space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", 400 },
        { "chunk extension malformed", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", 400 },
        { "chunk data without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400 },
        { "chunk size bare LF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400 },
        { "chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 400 },
    };
}
