using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Quotas;

/// <summary>What <see cref="ConsumerQuota.TryConsume"/> decided.</summary>
internal readonly struct QuotaVerdict(bool allowed, int statusCount, QuotaPeriod exhausted, long resetSeconds)
{
    /// <summary>False when a quota is used up: answer 429 with the quota headers.</summary>
    public bool Allowed { get; } = allowed;

    /// <summary>How many entries of the caller's status span were filled.</summary>
    public int StatusCount { get; } = statusCount;

    /// <summary>The period whose quota is used up (when refused).</summary>
    public QuotaPeriod Exhausted { get; } = exhausted;

    /// <summary>Refused: seconds until that period ends and the quota resets (for <c>Retry-After</c>).</summary>
    public long ResetSeconds { get; } = resetSeconds;
}
