namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// One limit's state after a request, as the rate-limit headers report it: a rate limit or a quota. Seconds are
/// whole and rounded up ("not before").
/// </summary>
internal readonly struct LimitStatus
{
    public LimitStatus(byte[] name, long quota, long windowSeconds, long remaining, long resetSeconds, bool limited)
    {
        Name = name;
        Quota = quota;
        WindowSeconds = windowSeconds;
        Remaining = remaining;
        ResetSeconds = resetSeconds;
        Limited = limited;
    }

    /// <summary>The policy's name as a structured-field string, quotes included: <c>"per-ip"</c>.</summary>
    public byte[] Name { get; }

    /// <summary><c>q</c>: requests allowed per window.</summary>
    public long Quota { get; }

    /// <summary><c>w</c>: the window in seconds.</summary>
    public long WindowSeconds { get; }

    /// <summary><c>r</c>: requests left.</summary>
    public long Remaining { get; }

    /// <summary>
    /// <c>t</c>: seconds until a request can succeed again when nothing remains; otherwise until the limit is
    /// back at its full quota.
    /// </summary>
    public long ResetSeconds { get; }

    /// <summary>This limit refused (or, in shadow mode, would have refused) the request.</summary>
    public bool Limited { get; }

    public static LimitStatus From(RateLimit limit, in TakeResult result, long frequency)
    {
        var ticks = result.Remaining == 0 ? result.RetryAfterTicks : result.TicksUntilFull;
        return new LimitStatus(limit.HeaderName, limit.HeaderQuota, limit.WindowSeconds, result.Remaining,
            CeilingSeconds(ticks, frequency), !result.Allowed);
    }

    /// <summary>Whole seconds covering <paramref name="ticks"/> (capped at a year: a larger value helps no client).</summary>
    public static long CeilingSeconds(long ticks, long frequency)
    {
        const long Year = 365L * 24 * 3600;
        if (ticks <= 0)
        {
            return 0;
        }

        var seconds = ((ticks - 1) / frequency) + 1;
        return Math.Min(seconds, Year);
    }
}
