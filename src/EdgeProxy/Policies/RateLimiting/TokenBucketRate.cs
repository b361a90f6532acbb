namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// A token bucket's rate in the units of one clock, chosen so that the bucket arithmetic is exact integers:
/// time is counted in <see cref="Scale"/> units per clock tick and one token costs <see cref="TokenCost"/> units.
/// "100/s" on a 1 GHz clock is 1 unit per tick and 10,000,000 units per token; "7/s" on a 999,999,937 Hz clock is
/// 7 units per tick and 999,999,937 units per token, so no rounding error accumulates over millions of takes.
/// </summary>
internal sealed class TokenBucketRate : IEquatable<TokenBucketRate>
{
    /// <summary>Keeps burst × cost, and so every intermediate value, far from overflowing a signed 64-bit word.</summary>
    internal const long MaxSpan = 1L << 61;

    /// <summary>
    /// Scaled time wraps after 2^63 / (scale × frequency) seconds; a bucket idle that long would be misread. One
    /// year keeps that out of reach (the table also evicts idle buckets long before); rates that would need a
    /// larger scale use the nearest whole number of units per token instead (error below 1e-6 relative).
    /// </summary>
    private const long MinWrapSeconds = 365L * 24 * 3600;

    private TokenBucketRate(long tokens, TimeSpan period, long burst, long frequency, long scale, long tokenCost, bool isExact)
    {
        Tokens = tokens;
        Period = period;
        Burst = burst;
        Frequency = frequency;
        Scale = scale;
        TokenCost = tokenCost;
        BurstSpan = burst * tokenCost;
        IsExact = isExact;
    }

    /// <summary>Tokens added per <see cref="Period"/>.</summary>
    public long Tokens { get; }

    public TimeSpan Period { get; }

    /// <summary>Bucket size (possibly lowered from the configured one for absurd burst × period combinations).</summary>
    public long Burst { get; }

    /// <summary>Clock ticks per second of the timestamps this rate is used with.</summary>
    public long Frequency { get; }

    /// <summary>Bucket time units per clock tick.</summary>
    internal long Scale { get; }

    /// <summary>Bucket time units per token.</summary>
    internal long TokenCost { get; }

    /// <summary>Units a full bucket holds: <see cref="Burst"/> × <see cref="TokenCost"/>.</summary>
    internal long BurstSpan { get; }

    /// <summary>False when the rate had to be rounded (see <see cref="MinWrapSeconds"/>).</summary>
    public bool IsExact { get; }

    public static TokenBucketRate Create(long tokens, TimeSpan period, long burst, long frequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequency, 1);

        // tokens per period = (tokens × TicksPerSecond) tokens per (period.Ticks × frequency) clock ticks.
        var perTicks = (Int128)tokens * TimeSpan.TicksPerSecond;
        var ticks = (Int128)period.Ticks * frequency;
        var gcd = Gcd(perTicks, ticks);
        perTicks /= gcd;
        ticks /= gcd;
        var maxScale = long.MaxValue / MinWrapSeconds / frequency;
        if (perTicks <= maxScale && ticks <= MaxSpan && (Int128)burst * ticks <= MaxSpan)
        {
            return new TokenBucketRate(tokens, period, burst, frequency, (long)perTicks, (long)ticks, isExact: true);
        }

        var cost = (long)Int128.Max(1, Int128.Min(MaxSpan, (ticks + (perTicks / 2)) / perTicks));
        return new TokenBucketRate(tokens, period, Math.Min(burst, MaxSpan / cost), frequency, 1, cost, isExact: false);
    }

    /// <summary>Whole clock ticks covering <paramref name="units"/> bucket units (rounded up: "not before").</summary>
    internal long UnitsToTicks(long units) => units <= 0 ? 0 : Scale == 1 ? units : ((units - 1) / Scale) + 1;

    public bool Equals(TokenBucketRate? other) =>
        other is not null && Tokens == other.Tokens && Period == other.Period && Burst == other.Burst && Frequency == other.Frequency;

    public override bool Equals(object? obj) => Equals(obj as TokenBucketRate);

    public override int GetHashCode() => HashCode.Combine(Tokens, Period, Burst, Frequency);

    public override string ToString() => $"{Tokens} per {Period} (burst {Burst})";

    private static Int128 Gcd(Int128 a, Int128 b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
