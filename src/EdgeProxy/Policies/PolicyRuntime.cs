using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policies.RateLimiting;

namespace EdgeProxy.Policies;

/// <summary>
/// The policies' long-lived state (STYLE pattern 1): token buckets and quota counters outlive every snapshot, so
/// a reload never resets what callers have used. One per gateway process.
/// </summary>
internal sealed class PolicyRuntime(TimeProvider? time = null)
{
    public RateLimiterTable Limiter { get; } = new(100_000, time);

    public QuotaCounters Quotas { get; } = new();

    /// <summary>Leases of the rate limits shared through <c>[cluster]</c>; offline (unused) until the sync loop connects.</summary>
    public Cluster.SharedLimitLeases SharedLimits { get; } = new();

    /// <summary>The shared response cache; kept across reloads (see <see cref="Caching.CacheReload"/>).</summary>
    public Caching.ResponseCache Cache { get; } = new(new Policy.Config.CacheSettings(), new Caching.CacheMetrics(export: true));

    /// <summary>Wall clock of quota periods (UTC calendar boundaries).</summary>
    public TimeProvider Time { get; } = time ?? TimeProvider.System;
}
