using System.Buffers.Text;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// Writes rate-limit response header lines into a caller's buffer, without allocating:
/// <code>
/// RateLimit-Policy: "per-ip";q=100;w=1, "quota-day";q=10000;w=86400
/// RateLimit: "per-ip";r=42;t=1, "quota-day";r=9000;t=3600
/// X-RateLimit-Limit: 100          (legacy: one value, the most restrictive limit)
/// X-RateLimit-Remaining: 42
/// X-RateLimit-Reset: 1            (seconds from now)
/// Retry-After: 3                  (on 429)
/// </code>
/// The IETF pair follows draft-ietf-httpapi-ratelimit-headers (structured-field lists, one item per policy).
/// </summary>
internal static class RateLimitHeaders
{
    private static ReadOnlySpan<byte> PolicyName => "RateLimit-Policy: "u8;

    private static ReadOnlySpan<byte> StateName => "RateLimit: "u8;

    private static ReadOnlySpan<byte> LegacyLimit => "X-RateLimit-Limit: "u8;

    private static ReadOnlySpan<byte> LegacyRemaining => "X-RateLimit-Remaining: "u8;

    private static ReadOnlySpan<byte> LegacyReset => "X-RateLimit-Reset: "u8;

    private static ReadOnlySpan<byte> RetryAfterName => "Retry-After: "u8;

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>Room <see cref="TryWrite"/> needs at most for <paramref name="statuses"/>.</summary>
    public static int MaxLength(ReadOnlySpan<LimitStatus> statuses, RateLimitHeaderFormats formats)
    {
        const int Number = 20;
        var length = 0;
        if ((formats & RateLimitHeaderFormats.Ietf) != 0 && !statuses.IsEmpty)
        {
            length += PolicyName.Length + StateName.Length + (2 * Crlf.Length);
            foreach (var status in statuses)
            {
                // name;q=N;w=N, and name;r=N;t=N, each with ", " separators
                length += (2 * (status.Name.Length + 6 + (2 * Number))) + 4;
            }
        }

        if ((formats & RateLimitHeaderFormats.Legacy) != 0 && !statuses.IsEmpty)
        {
            length += LegacyLimit.Length + LegacyRemaining.Length + LegacyReset.Length + (3 * (Number + Crlf.Length));
        }

        return length;
    }

    /// <summary>
    /// Writes the header lines (each ending in CRLF) for <paramref name="statuses"/> in the chosen formats.
    /// False, with nothing meaningful written, when <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<LimitStatus> statuses, RateLimitHeaderFormats formats, out int written)
    {
        written = 0;
        if (statuses.IsEmpty)
        {
            return true;
        }

        var w = new Writer(destination);
        if ((formats & RateLimitHeaderFormats.Ietf) != 0)
        {
            w.Bytes(PolicyName);
            for (var i = 0; i < statuses.Length; i++)
            {
                if (i > 0)
                {
                    w.Bytes(", "u8);
                }

                w.Bytes(statuses[i].Name);
                w.Bytes(";q="u8);
                w.Number(statuses[i].Quota);
                w.Bytes(";w="u8);
                w.Number(statuses[i].WindowSeconds);
            }

            w.Bytes(Crlf);
            w.Bytes(StateName);
            for (var i = 0; i < statuses.Length; i++)
            {
                if (i > 0)
                {
                    w.Bytes(", "u8);
                }

                w.Bytes(statuses[i].Name);
                w.Bytes(";r="u8);
                w.Number(statuses[i].Remaining);
                w.Bytes(";t="u8);
                w.Number(statuses[i].ResetSeconds);
            }

            w.Bytes(Crlf);
        }

        if ((formats & RateLimitHeaderFormats.Legacy) != 0)
        {
            var chosen = MostRestrictive(statuses);
            w.Bytes(LegacyLimit);
            w.Number(chosen.Quota);
            w.Bytes(Crlf);
            w.Bytes(LegacyRemaining);
            w.Number(chosen.Remaining);
            w.Bytes(Crlf);
            w.Bytes(LegacyReset);
            w.Number(chosen.ResetSeconds);
            w.Bytes(Crlf);
        }

        written = w.Position;
        return !w.Overflowed;
    }

    /// <summary><c>Retry-After: N\r\n</c> with at least one second (a zero would invite an immediate retry storm).</summary>
    public static bool TryWriteRetryAfter(Span<byte> destination, long seconds, out int written)
    {
        var w = new Writer(destination);
        w.Bytes(RetryAfterName);
        w.Number(Math.Max(1, seconds));
        w.Bytes(Crlf);
        written = w.Position;
        return !w.Overflowed;
    }

    /// <summary>The limit a single-valued legacy header reports: a refusing one first, then the fewest remaining, then the longest wait.</summary>
    public static LimitStatus MostRestrictive(ReadOnlySpan<LimitStatus> statuses)
    {
        var best = statuses[0];
        for (var i = 1; i < statuses.Length; i++)
        {
            var s = statuses[i];
            var better = s.Limited != best.Limited
                ? s.Limited
                : s.Remaining != best.Remaining ? s.Remaining < best.Remaining : s.ResetSeconds > best.ResetSeconds;
            if (better)
            {
                best = s;
            }
        }

        return best;
    }

    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Position { get; private set; }

        public bool Overflowed { get; private set; }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            if (!Overflowed && bytes.TryCopyTo(_destination[Position..]))
            {
                Position += bytes.Length;
            }
            else
            {
                Overflowed = true;
            }
        }

        public void Number(long value)
        {
            if (!Overflowed && Utf8Formatter.TryFormat(Math.Max(0, value), _destination[Position..], out var length))
            {
                Position += length;
            }
            else
            {
                Overflowed = true;
            }
        }
    }
}
