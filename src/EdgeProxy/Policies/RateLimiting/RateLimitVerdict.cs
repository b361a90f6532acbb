namespace EdgeProxy.Policies.RateLimiting;

/// <summary>What <see cref="RateLimitEvaluator.Evaluate"/> decided for one request.</summary>
internal readonly struct RateLimitVerdict(bool allowed, int statusCount, long retryAfterTicks, RateLimit? refusedBy)
{
    /// <summary>False when an enforced limit refused: answer 429 with <c>Retry-After</c>.</summary>
    public bool Allowed { get; } = allowed;

    /// <summary>How many entries of the caller's status span were filled (for the rate-limit headers).</summary>
    public int StatusCount { get; } = statusCount;

    /// <summary>Refused: clock ticks until the refusing limit has a token again.</summary>
    public long RetryAfterTicks { get; } = retryAfterTicks;

    /// <summary>The enforced limit that refused (for the access log and metrics), or null.</summary>
    public RateLimit? RefusedBy { get; } = refusedBy;
}
