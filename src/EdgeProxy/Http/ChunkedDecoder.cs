using System.Buffers;
using System.IO.Pipelines;

namespace EdgeProxy.Http;

/// <summary>
/// Incremental, strict RFC 9112 §7.1 chunked decoder: state survives across reads, chunk data is written out as it
/// arrives (re-chunked or raw), and any framing error throws before a byte of the bad chunk line is forwarded.
/// </summary>
internal struct ChunkedDecoder(bool sourceIsClient, long maxBytes)
{
    private const int MaxChunkLine = 4096;
    private const int MaxTrailerBytes = 16 * 1024;

    private enum State : byte { Size, Data, DataEnd, Trailer }

    private State _state;
    private long _remaining;
    private int _trailerBytes;

    public long Total { get; private set; }

    public bool Done { get; private set; }

    public SequencePosition Process(in ReadOnlySequence<byte> buffer, PipeWriter destination, bool chunkedOut)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (!Done)
        {
            switch (_state)
            {
                case State.Size:
                    if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
                    {
                        if (reader.Remaining > MaxChunkLine)
                        {
                            Fail();
                        }

                        return reader.Position;
                    }

                    _remaining = ParseSizeLine(line);
                    if (_remaining == 0)
                    {
                        _state = State.Trailer;
                        break;
                    }

                    Total += _remaining;
                    if (Total > maxBytes)
                    {
                        if (sourceIsClient)
                        {
                            BadRequestException.Throw(RejectReason.BodyTooLarge);
                        }

                        Fail();
                    }

                    _state = State.Data;
                    break;
                case State.Data:
                    if (reader.End)
                    {
                        return reader.Position;
                    }

                    var n = Math.Min(_remaining, reader.Remaining);
                    BodyCopier.WriteData(destination, reader.UnreadSequence.Slice(0, n), chunkedOut);
                    reader.Advance(n);
                    _remaining -= n;
                    if (_remaining == 0)
                    {
                        _state = State.DataEnd;
                    }

                    break;
                case State.DataEnd:
                    if (reader.Remaining < 2)
                    {
                        return reader.Position;
                    }

                    if (!reader.IsNext("\r\n"u8, advancePast: true))
                    {
                        Fail();
                    }

                    _state = State.Size;
                    break;
                case State.Trailer:
                    if (!reader.TryReadTo(out ReadOnlySequence<byte> trailer, (byte)'\n'))
                    {
                        if (_trailerBytes + reader.Remaining > MaxTrailerBytes)
                        {
                            Fail();
                        }

                        return reader.Position;
                    }

                    _trailerBytes += (int)trailer.Length + 1;
                    if (_trailerBytes > MaxTrailerBytes || trailer.IsEmpty || !EndsWithCr(trailer))
                    {
                        Fail();
                    }

                    if (trailer.Length == 1)
                    {
                        // Trailer fields are validated and dropped: none of our peers needs them, and
                        // forwarding them would need the TE: trailers negotiation.
                        if (chunkedOut)
                        {
                            BodyCopier.WriteLastChunk(destination);
                        }

                        Done = true;
                    }
                    else
                    {
                        ValidateTrailerLine(trailer);
                    }

                    break;
            }
        }

        return reader.Position;
    }

    private readonly long ParseSizeLine(in ReadOnlySequence<byte> line)
    {
        if (line.Length > MaxChunkLine || line.Length < 2 || !EndsWithCr(line))
        {
            Fail();
        }

        Span<byte> copy = stackalloc byte[(int)line.Length - 1];
        line.Slice(0, copy.Length).CopyTo(copy);
        long size = 0;
        var i = 0;
        for (; i < copy.Length; i++)
        {
            var digit = HexValue(copy[i]);
            if (digit < 0)
            {
                break;
            }

            if (i == 15)
            {
                Fail();
            }

            size = (size << 4) | (uint)digit;
        }

        if (i == 0)
        {
            Fail();
        }

        ValidateExtensions(copy[i..]);
        return size;
    }

    /// <summary>chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )</summary>
    private readonly void ValidateExtensions(ReadOnlySpan<byte> ext)
    {
        while (!ext.IsEmpty)
        {
            ext = SkipBws(ext);
            if (ext.IsEmpty || ext[0] != (byte)';')
            {
                Fail();
            }

            ext = SkipBws(ext[1..]);
            var nameLength = TokenLength(ext);
            if (nameLength == 0)
            {
                Fail();
            }

            ext = SkipBws(ext[nameLength..]);
            if (ext.IsEmpty || ext[0] != (byte)'=')
            {
                continue;
            }

            ext = SkipBws(ext[1..]);
            if (!ext.IsEmpty && ext[0] == (byte)'"')
            {
                var close = 1;
                while (close < ext.Length && ext[close] != (byte)'"')
                {
                    close += ext[close] == (byte)'\\' ? 2 : 1;
                }

                if (close >= ext.Length || !HttpChars.IsFieldValue(ext[..close]))
                {
                    Fail();
                }

                ext = ext[(close + 1)..];
            }
            else
            {
                var valueLength = TokenLength(ext);
                if (valueLength == 0)
                {
                    Fail();
                }

                ext = ext[valueLength..];
            }
        }
    }

    private readonly void ValidateTrailerLine(in ReadOnlySequence<byte> line)
    {
        Span<byte> copy = stackalloc byte[(int)line.Length - 1];
        line.Slice(0, copy.Length).CopyTo(copy);
        var colon = copy.IndexOf((byte)':');
        if (colon <= 0 || !HttpChars.IsToken(copy[..colon]) || !HttpChars.IsFieldValue(copy[(colon + 1)..]))
        {
            Fail();
        }
    }

    private static ReadOnlySpan<byte> SkipBws(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length && (span[i] == (byte)' ' || span[i] == (byte)'\t'))
        {
            i++;
        }

        return span[i..];
    }

    private static int TokenLength(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length && HttpChars.IsToken(span.Slice(i, 1)))
        {
            i++;
        }

        return i;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> line) => !line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r';

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private readonly void Fail()
    {
        if (sourceIsClient)
        {
            BadRequestException.Throw(RejectReason.InvalidChunk);
        }

        throw new ProxyException(ProxyErrorKind.UpstreamProtocolError, "malformed chunked response body") { ResponseStarted = true };
    }
}
