using System.Buffers;

namespace EdgeProxy.Http;

/// <summary>
/// An upstream response head as it arrived: framed in place when the read buffer is one segment, else in a copy of
/// its start. One per client connection (and per background cache refresh), reused for every response.
/// </summary>
internal sealed class ResponseHeadFrame
{
    public const int MaxHead = 64 * 1024;
    public const int MaxStartLine = 8 * 1024;
    public const int MaxHeaders = 256;

    private byte[]? _copy;
    private bool _copied;
    private ReadOnlySequence<byte> _buffer;

    /// <summary>The head's length including its empty line; 0 while none is framed.</summary>
    public int Length { get; private set; }

    /// <summary>The framed head's bytes; valid until the buffer it was found in is advanced past.</summary>
    public ReadOnlySpan<byte> Span => _copied ? _copy.AsSpan(0, Length) : _buffer.FirstSpan[..Length];

    /// <summary>Where the body (or the next message) starts in the buffer the head was found in.</summary>
    public SequencePosition End => _buffer.GetPosition(Length);

    /// <summary>
    /// Frames the head at the start of <paramref name="buffer"/>: its length, or 0 when it has not all arrived.
    /// Throws <see cref="BadRequestException"/> for framing errors and exceeded limits.
    /// </summary>
    public int Find(in ReadOnlySequence<byte> buffer)
    {
        _copied = !buffer.IsSingleSegment;
        var data = _copied ? HeadFramer.Linearize(buffer, MaxHead + 1, ref _copy) : buffer.FirstSpan;
        Length = HeadFramer.FindEnd(data, MaxStartLine, MaxHead);
        _buffer = Length > 0 ? buffer : default;
        return Length;
    }

    public void Clear()
    {
        _buffer = default;
        Length = 0;
    }
}
