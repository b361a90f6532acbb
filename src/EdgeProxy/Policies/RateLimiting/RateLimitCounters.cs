namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// Per-limit counters (STYLE pattern 23), kept across reloads with the limit's identity so a reload does not
/// reset a dashboard. <c>limited</c> counts every request over the limit; <c>enforced</c> those actually refused
/// (the same in enforce mode, zero in shadow mode).
/// </summary>
internal sealed class RateLimitCounters
{
    private long _evaluated;
    private long _allowed;
    private long _limited;
    private long _enforced;

    public long Evaluated => Volatile.Read(ref _evaluated);

    public long Allowed => Volatile.Read(ref _allowed);

    public long Limited => Volatile.Read(ref _limited);

    public long Enforced => Volatile.Read(ref _enforced);

    internal void Count(bool allowed, bool enforced)
    {
        Interlocked.Increment(ref _evaluated);
        if (allowed)
        {
            Interlocked.Increment(ref _allowed);
            return;
        }

        Interlocked.Increment(ref _limited);
        if (enforced)
        {
            Interlocked.Increment(ref _enforced);
        }
    }
}
