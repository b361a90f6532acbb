using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// The ingest request's signature: <c>X-EdgeProxy-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c> over
/// <c>"&lt;t&gt;." + body</c> with the shared secret. The timestamp bounds how long a captured request can be replayed;
/// the batch's instance and sequence let the manager refuse a replay inside that window.
/// </summary>
public static class AnalyticsSignature
{
    public const string HeaderName = "X-EdgeProxy-Signature";

    public static string Create(ReadOnlySpan<byte> secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[32];
        Compute(secret, unixSeconds, body, mac);
        return $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>True when the header is well formed, its time is within <paramref name="tolerance"/> of now, and the MAC matches.</summary>
    public static bool Verify(ReadOnlySpan<byte> secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (header is null || !TryParse(header, out var unixSeconds, out var presented))
        {
            return false;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - unixSeconds) > (long)tolerance.TotalSeconds)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        Compute(secret, unixSeconds, body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    private static bool TryParse(string header, out long unixSeconds, out byte[] mac)
    {
        unixSeconds = 0;
        mac = [];
        var comma = header.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || !header.StartsWith("t=", StringComparison.Ordinal) || string.CompareOrdinal(header, comma + 1, "v1=", 0, 3) != 0)
        {
            return false;
        }

        if (!long.TryParse(header.AsSpan(2, comma - 2), NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds))
        {
            return false;
        }

        var hex = header.AsSpan(comma + 4);
        if (hex.Length != 64)
        {
            return false;
        }

        try
        {
            mac = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static void Compute(ReadOnlySpan<byte> secret, long unixSeconds, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        Span<byte> prefix = stackalloc byte[24];
        var n = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture), prefix);
        prefix[n++] = (byte)'.';
        hmac.AppendData(prefix[..n]);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}
