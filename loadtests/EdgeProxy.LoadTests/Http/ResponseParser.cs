using System.Buffers.Text;
using System.Text;

namespace EdgeProxy.LoadTests.Http;

internal enum ParseStatus
{
    NeedMore,
    Complete,
    Error,
}

/// <summary>Sees response body bytes as they arrive (SSE counts events); returns false to stop reading.</summary>
internal interface IBodyObserver
{
    bool OnBody(ReadOnlySpan<byte> data);
}

/// <summary>
/// An incremental HTTP/1.1 response parser: status line and headers (only Content-Length, Transfer-Encoding and
/// Connection matter to a load generator), then a Content-Length, chunked or close-delimited body. It keeps its
/// state across reads, so a response may arrive in any number of pieces; a head must fit one buffer.
/// </summary>
internal struct ResponseParser
{
    public const int MaxHeadBytes = 32 * 1024;

    private State _state;
    private long _remaining;
    private bool _headRequest;

    public int StatusCode { get; private set; }

    /// <summary>True when the connection may carry another request after this response.</summary>
    public bool KeepAlive { get; private set; }

    /// <summary>True when the body observer asked to stop before the end of the body.</summary>
    public bool Stopped { get; private set; }

    public long BodyBytes { get; private set; }

    public string? Error { get; private set; }

    private enum State
    {
        Head,
        Body,
        BodyUntilClose,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        Done,
    }

    public void Reset(bool headRequest)
    {
        _state = State.Head;
        _remaining = 0;
        _headRequest = headRequest;
        StatusCode = 0;
        KeepAlive = false;
        Stopped = false;
        BodyBytes = 0;
        Error = null;
    }

    /// <summary>Parses as much of <paramref name="data"/> as it can; <paramref name="consumed"/> bytes are done with.</summary>
    public ParseStatus Parse(ReadOnlySpan<byte> data, out int consumed, IBodyObserver? observer)
    {
        consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Head:
                    var end = rest.IndexOf("\r\n\r\n"u8);
                    if (end < 0)
                    {
                        return rest.Length >= MaxHeadBytes ? Fail($"response head larger than {MaxHeadBytes} bytes") : ParseStatus.NeedMore;
                    }

                    if (!ParseHead(rest[..(end + 2)]))
                    {
                        return ParseStatus.Error;
                    }

                    consumed += end + 4;
                    break;
                case State.Body or State.ChunkData or State.BodyUntilClose:
                    var take = _state == State.BodyUntilClose ? rest.Length : (int)Math.Min(_remaining, rest.Length);
                    if (take > 0)
                    {
                        consumed += take;
                        BodyBytes += take;
                        _remaining -= take;
                        if (observer is not null && !observer.OnBody(rest[..take]))
                        {
                            Stopped = true;
                            KeepAlive = false;
                            _state = State.Done;
                            return ParseStatus.Complete;
                        }
                    }

                    if (_state == State.BodyUntilClose || _remaining > 0)
                    {
                        return ParseStatus.NeedMore;
                    }

                    _state = _state == State.Body ? State.Done : State.ChunkDataEnd;
                    break;
                case State.ChunkSize:
                    var lineEnd = rest.IndexOf("\r\n"u8);
                    if (lineEnd < 0)
                    {
                        return rest.Length > 1024 ? Fail("chunk-size line longer than 1 KiB") : ParseStatus.NeedMore;
                    }

                    var line = rest[..lineEnd];
                    var extension = line.IndexOf((byte)';');
                    var digits = (extension < 0 ? line : line[..extension]).TrimEnd(" \t"u8);
                    if (digits.Length is 0 or > 15 || !Utf8Parser.TryParse(digits, out long size, out var used, 'x') || used != digits.Length)
                    {
                        return Fail("invalid chunk size");
                    }

                    consumed += lineEnd + 2;
                    _remaining = size;
                    _state = size == 0 ? State.Trailers : State.ChunkData;
                    break;
                case State.ChunkDataEnd:
                    if (rest.Length < 2)
                    {
                        return ParseStatus.NeedMore;
                    }

                    if (rest[0] != '\r' || rest[1] != '\n')
                    {
                        return Fail("chunk data not followed by CRLF");
                    }

                    consumed += 2;
                    _state = State.ChunkSize;
                    break;
                case State.Trailers:
                    var trailerEnd = rest.IndexOf("\r\n"u8);
                    if (trailerEnd < 0)
                    {
                        return rest.Length >= MaxHeadBytes ? Fail("trailer section too large") : ParseStatus.NeedMore;
                    }

                    consumed += trailerEnd + 2;
                    if (trailerEnd == 0)
                    {
                        _state = State.Done;
                    }

                    break;
                default:
                    return ParseStatus.Complete;
            }
        }
    }

    /// <summary>The peer closed the connection: completes a close-delimited body, fails anything else.</summary>
    public ParseStatus OnEndOfStream()
    {
        if (_state == State.BodyUntilClose)
        {
            _state = State.Done;
            KeepAlive = false;
            return ParseStatus.Complete;
        }

        return _state == State.Done ? ParseStatus.Complete : ParseStatus.Error;
    }

    /// <summary>True once the head has been read (a response status is known).</summary>
    public readonly bool HasHead => StatusCode != 0;

    private bool ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != ' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3 || status < 100
            || statusLine.Length > 12 && statusLine[12] != ' ')
        {
            Fail("invalid status line");
            return false;
        }

        var http11 = statusLine[7] == '1';
        var keepAlive = http11;
        var chunked = false;
        long contentLength = -1;
        var headers = head[(lineEnd + 2)..];
        while (headers.Length > 0)
        {
            var end = headers.IndexOf("\r\n"u8);
            var line = headers[..end];
            headers = headers[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                Fail("header line without a name and colon");
                return false;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (name.Length == 14 && Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var lengthUsed) || lengthUsed != value.Length || length < 0
                    || contentLength >= 0 && contentLength != length)
                {
                    Fail("invalid Content-Length");
                    return false;
                }

                contentLength = length;
            }
            else if (name.Length == 17 && Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = EndsWithChunked(value);
            }
            else if (name.Length == 10 && Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                if (ContainsToken(value, "close"u8))
                {
                    keepAlive = false;
                }
                else if (ContainsToken(value, "keep-alive"u8))
                {
                    keepAlive = true;
                }
            }
        }

        StatusCode = status;
        KeepAlive = keepAlive;
        if (status is >= 100 and < 200 && status != 101)
        {
            // An interim response (100 Continue, 103 Early Hints): the final one follows.
            StatusCode = 0;
            _state = State.Head;
            return true;
        }

        if (status == 101 || _headRequest || status is 204 or 304)
        {
            _state = State.Done;
        }
        else if (chunked)
        {
            _state = State.ChunkSize;
        }
        else if (contentLength >= 0)
        {
            _remaining = contentLength;
            _state = contentLength == 0 ? State.Done : State.Body;
        }
        else
        {
            _state = State.BodyUntilClose;
            KeepAlive = false;
        }

        return true;
    }

    private static bool EndsWithChunked(ReadOnlySpan<byte> value)
    {
        var last = value.LastIndexOf((byte)',');
        var coding = (last < 0 ? value : value[(last + 1)..]).Trim(" \t"u8);
        return Ascii.EqualsIgnoreCase(coding, "chunked"u8);
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }

    private ParseStatus Fail(string message)
    {
        Error = message;
        KeepAlive = false;
        return ParseStatus.Error;
    }
}
