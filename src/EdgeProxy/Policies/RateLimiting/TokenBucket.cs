namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// A lock-free token bucket (STYLE pattern 22). Its whole state is one 64-bit word: the instant, in the rate's
/// scaled time, at which the bucket was last empty. Tokens available at <c>now</c> are the time since then
/// (capped at the burst) divided by the token cost; a take advances the instant with one compare-and-swap.
/// There is no refill timer: time itself refills the bucket. Timestamps come from the caller (one monotonic
/// clock, <see cref="TimeProvider.GetTimestamp"/>), so tests run in virtual time.
/// </summary>
/// <remarks>
/// Scaled time is <c>now × Scale</c> modulo 2^64: only differences are used, and they stay exact as long as a
/// bucket is not left untouched for 2^63 units (a year at least; see <see cref="TokenBucketRate"/>).
/// </remarks>
internal sealed class TokenBucket
{
    /// <summary>The state of a bucket its table has evicted; a taker that sees it looks the key up again.</summary>
    internal const long Evicted = long.MinValue;

    // Differences below this are a caller's slightly older timestamp (another thread already advanced the
    // state); above, only a wrap-around after an extremely long idle spell, which means "full".
    private const long StaleLimit = -(1L << 62);

    private long _emptyAt;

    /// <summary>A full bucket.</summary>
    public TokenBucket(TokenBucketRate rate, long now)
        : this(rate, now, rate.Burst)
    {
    }

    /// <summary>A bucket holding <paramref name="available"/> tokens at <paramref name="now"/> (clamped to 0..burst).</summary>
    public TokenBucket(TokenBucketRate rate, long now, long available)
    {
        Rate = rate;
        available = Math.Clamp(available, 0, rate.Burst);
        _emptyAt = Normalize(unchecked((now * rate.Scale) - (available * rate.TokenCost)));
    }

    public TokenBucketRate Rate { get; }

    internal bool IsEvicted => Volatile.Read(ref _emptyAt) == Evicted;

    /// <summary>Takes <paramref name="count"/> tokens if they are all there; never blocks, never allocates.</summary>
    public bool TryTake(long now, long count = 1) => Take(now, count, out _).Allowed;

    /// <summary>Like <see cref="TryTake"/>, with the numbers rate-limit headers need.</summary>
    public TakeResult Take(long now, long count = 1) => Take(now, count, out _);

    /// <summary>As <see cref="Take(long, long)"/>; <paramref name="evicted"/> tells the table to look the key up again.</summary>
    internal TakeResult Take(long now, long count, out bool evicted)
    {
        evicted = false;
        var rate = Rate;
        var nowScaled = unchecked(now * rate.Scale);
        if ((ulong)count > (ulong)rate.Burst)
        {
            var seen = Volatile.Read(ref _emptyAt);
            return new TakeResult(false, rate, seen == Evicted ? 0 : Elapsed(rate, nowScaled, seen), long.MaxValue);
        }

        var need = count * rate.TokenCost;
        while (true)
        {
            var seen = Volatile.Read(ref _emptyAt);
            if (seen == Evicted)
            {
                evicted = true;
                return default;
            }

            var elapsed = Elapsed(rate, nowScaled, seen);
            if (elapsed < need)
            {
                return new TakeResult(false, rate, elapsed, need);
            }

            // A full bucket is at most a burst old: time before that bought nothing.
            var next = Normalize(unchecked(nowScaled - elapsed + need));
            if (Interlocked.CompareExchange(ref _emptyAt, next, seen) == seen)
            {
                return new TakeResult(true, rate, elapsed - need, need);
            }
        }
    }

    /// <summary>Gives back tokens taken for a request that another limit then refused.</summary>
    public void Refund(long count = 1)
    {
        var units = Math.Clamp(count, 0, Rate.Burst) * Rate.TokenCost;
        while (true)
        {
            var seen = Volatile.Read(ref _emptyAt);
            if (seen == Evicted || Interlocked.CompareExchange(ref _emptyAt, Normalize(unchecked(seen - units)), seen) == seen)
            {
                return;
            }
        }
    }

    /// <summary>Whole tokens available at <paramref name="now"/>.</summary>
    public long Available(long now)
    {
        var seen = Volatile.Read(ref _emptyAt);
        return seen == Evicted ? 0 : Elapsed(Rate, unchecked(now * Rate.Scale), seen) / Rate.TokenCost;
    }

    /// <summary>Clock ticks until the bucket would be full; 0 when it is.</summary>
    public long TicksUntilFull(long now)
    {
        var seen = Volatile.Read(ref _emptyAt);
        return seen == Evicted ? 0 : Rate.UnitsToTicks(Rate.BurstSpan - Elapsed(Rate, unchecked(now * Rate.Scale), seen));
    }

    /// <summary>Marks the bucket evicted if it is full at <paramref name="now"/>: forgetting it then loses nothing.</summary>
    internal bool TryEvictIfFull(long now)
    {
        var seen = Volatile.Read(ref _emptyAt);
        return seen != Evicted
            && Elapsed(Rate, unchecked(now * Rate.Scale), seen) >= Rate.BurstSpan
            && Interlocked.CompareExchange(ref _emptyAt, Evicted, seen) == seen;
    }

    /// <summary>
    /// Marks the bucket evicted whatever it holds, returning the tokens it held (for a successor bucket), or
    /// -1 when it was already evicted.
    /// </summary>
    internal long Evict(long now)
    {
        while (true)
        {
            var seen = Volatile.Read(ref _emptyAt);
            if (seen == Evicted)
            {
                return -1;
            }

            if (Interlocked.CompareExchange(ref _emptyAt, Evicted, seen) == seen)
            {
                return Elapsed(Rate, unchecked(now * Rate.Scale), seen) / Rate.TokenCost;
            }
        }
    }

    private static long Elapsed(TokenBucketRate rate, long nowScaled, long emptyAt)
    {
        var elapsed = unchecked(nowScaled - emptyAt);
        if (elapsed < 0)
        {
            return elapsed > StaleLimit ? 0 : rate.BurstSpan;
        }

        return Math.Min(elapsed, rate.BurstSpan);
    }

    // The one state value that means "evicted" is never produced by arithmetic; one unit is far below a token.
    private static long Normalize(long state) => state == Evicted ? Evicted + 1 : state;
}
