namespace EdgeProxy.Policy.Analytics;

/// <summary>Constants and field helpers of the batch format, shared by encoder and decoder (docs/analytics-wire.md).</summary>
public static class AnalyticsWire
{
    /// <summary>"EPAB": EdgeProxy analytics batch.</summary>
    public static ReadOnlySpan<byte> Magic => "EPAB"u8;

    public const byte Version = 3;

    /// <summary>The oldest version a reader still takes: version 2 (no request samples) from a gateway not yet upgraded, or its spool.</summary>
    public const byte OldestVersion = 2;

    /// <summary>Bytes before the gateway id.</summary>
    public const int FixedHeaderLength = 45;

    public const int MaxGatewayIdBytes = 255;

    /// <summary>Bounds the decoder enforces before allocating (a hostile length must not size a buffer).</summary>
    public const int MaxRecords = 1_000_000;
    public const int MaxPayloadBytes = 256 * 1024 * 1024;
    public const int MaxNames = 1_000_000;
    public const int MaxNameBytes = 4096;

    /// <summary>Bounds of a record's request sample (version 3), enforced by the writer and the decoder.</summary>
    public const int MaxSampleBytes = 4096;
    public const int MaxSampleTargetBytes = 1024;
    public const int MaxSampleHeaders = 32;
    public const int MaxSampleNameBytes = 64;
    public const int MaxSampleValueBytes = 256;

    public const string ContentType = "application/vnd.edgeproxy.analytics";

    internal static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    internal static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    internal static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}
