using System.Security.Cryptography;

namespace EdgeProxy.Observability;

/// <summary>
/// Request ids: a random per-process prefix and a counter, as 24 lowercase hex digits. Unique across restarts
/// and processes with overwhelming probability, and free to make (no RNG call per request).
/// </summary>
internal static class RequestIds
{
    public const int Length = 24;
    public const int MaxIncomingLength = EdgeProxy.Policy.Analytics.AnalyticsRequestId.MaxLength;

    private static readonly uint s_prefix = (uint)RandomNumberGenerator.GetInt32(int.MaxValue) ^ (uint)Environment.ProcessId;
    private static long s_counter;

    public static int Write(Span<byte> destination)
    {
        var n = Interlocked.Increment(ref s_counter);
        WriteHex(destination, s_prefix, 8);
        WriteHex(destination[8..], (ulong)n, 16);
        return Length;
    }

    /// <summary>An incoming id is kept when it is short and made of characters that are safe in logs and headers.</summary>
    public static bool IsValid(ReadOnlySpan<byte> id) => EdgeProxy.Policy.Analytics.AnalyticsRequestId.IsValid(id);

    private static void WriteHex(Span<byte> destination, ulong value, int digits)
    {
        for (var i = digits - 1; i >= 0; i--)
        {
            var nibble = (int)(value & 0xF);
            destination[i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        }
    }
}
