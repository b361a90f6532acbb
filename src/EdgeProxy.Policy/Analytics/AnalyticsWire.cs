namespace EdgeProxy.Policy.Analytics;

/// <summary>Constants and field helpers of the batch format, shared by encoder and decoder (docs/analytics-wire.md).</summary>
public static class AnalyticsWire
{
    /// <summary>"EPAB": EdgeProxy analytics batch.</summary>
    public static ReadOnlySpan<byte> Magic => "EPAB"u8;

    public const byte Version = 2;

    /// <summary>Bytes before the gateway id.</summary>
    public const int FixedHeaderLength = 45;

    public const int MaxGatewayIdBytes = 255;

    /// <summary>Bounds the decoder enforces before allocating (a hostile length must not size a buffer).</summary>
    public const int MaxRecords = 1_000_000;
    public const int MaxPayloadBytes = 256 * 1024 * 1024;
    public const int MaxNames = 1_000_000;
    public const int MaxNameBytes = 4096;

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
