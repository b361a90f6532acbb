namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// Writes one request sample in its wire form (docs/analytics-wire.md, "Request sample") into a caller's buffer of
/// at least <see cref="AnalyticsWire.MaxSampleBytes"/>, scrubbing with <see cref="RequestScrub"/> as it goes: the
/// gateway writes straight into a preallocated slot on the request path, so nothing here allocates. Headers past the
/// count bound, with over-long names, or that no longer fit are left out and counted.
/// </summary>
public ref struct AnalyticsSampleWriter
{
    /// <summary>Room kept back for the omitted-header count (a varint of at most 3 bytes).</summary>
    private const int Tail = 3;

    private readonly Span<byte> _buffer;
    private readonly int _countAt;
    private int _at;
    private int _headers;
    private int _omitted;

    /// <summary>Starts a sample with its request target (path and query; secret query values redacted).</summary>
    public AnalyticsSampleWriter(Span<byte> buffer, ReadOnlySpan<byte> target, ReadOnlySpan<byte> keyParameter)
    {
        if (buffer.Length < AnalyticsWire.MaxSampleBytes)
        {
            throw new ArgumentException($"a sample buffer holds {AnalyticsWire.MaxSampleBytes} bytes", nameof(buffer));
        }

        _buffer = buffer[..AnalyticsWire.MaxSampleBytes];

        // Target length (varint of at most 2 bytes for ≤ 1024), written once the scrubbed length is known.
        var written = RequestScrub.Target(target, keyParameter, _buffer.Slice(2, AnalyticsWire.MaxSampleTargetBytes), out var truncated);
        _buffer[0] = (byte)(written | 0x80);
        _buffer[1] = (byte)(written >> 7);
        _at = 2 + written;
        _buffer[_at++] = truncated ? SampleFlags.Truncated : (byte)0;
        _countAt = _at++;
        _headers = 0;
        _omitted = 0;
    }

    /// <summary>Adds a header; a secret one (by <see cref="RequestScrub.IsSecret(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>) goes with its name only.</summary>
    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, ReadOnlySpan<byte> keyHeader)
    {
        if (_headers == AnalyticsWire.MaxSampleHeaders || name.IsEmpty || name.Length > AnalyticsWire.MaxSampleNameBytes)
        {
            _omitted++;
            return;
        }

        var secret = RequestScrub.IsSecret(name, keyHeader);
        var flags = secret ? SampleFlags.Redacted : (byte)0;
        if (secret)
        {
            value = default;
        }
        else if (value.Length > AnalyticsWire.MaxSampleValueBytes)
        {
            value = value[..AnalyticsWire.MaxSampleValueBytes];
            flags |= SampleFlags.Truncated;
        }

        var needed = 1 + name.Length + 1 + 2 + value.Length;
        if (_at + needed > _buffer.Length - Tail)
        {
            _omitted++;
            return;
        }

        _buffer[_at++] = (byte)name.Length;
        name.CopyTo(_buffer[_at..]);
        _at += name.Length;
        _buffer[_at++] = flags;
        _at += AnalyticsWire.WriteVarint(_buffer[_at..], (ulong)value.Length);
        value.CopyTo(_buffer[_at..]);
        _at += value.Length;
        _headers++;
    }

    /// <summary>Completes the sample; returns its length in the buffer.</summary>
    public int Finish()
    {
        _buffer[_countAt] = (byte)_headers;
        _at += AnalyticsWire.WriteVarint(_buffer[_at..], (ulong)Math.Min(_omitted, 0xFFFF));
        return _at;
    }
}

/// <summary>Flag bits of a sample's target and headers.</summary>
internal static class SampleFlags
{
    /// <summary>Cut at its bound.</summary>
    public const byte Truncated = 1;

    /// <summary>A secret: the value is not sent.</summary>
    public const byte Redacted = 2;
}
