using Prometheus;

namespace EdgeProxy.Policies.Cluster;

/// <summary>Prometheus series of cluster mode.</summary>
internal static class GatewayClusterMetrics
{
    public static readonly Gauge RedisUp = Metrics.CreateGauge(
        "edgeproxy_cluster_redis_up", "1 while the last exchange with the [cluster] Redis worked, 0 while limits are enforced locally.");

    public static readonly Counter SyncFailures = Metrics.CreateCounter(
        "edgeproxy_cluster_sync_failures_total", "Cluster synchronisations that failed because Redis was unreachable or slow.");

    public static readonly Counter LeaseTokens = Metrics.CreateCounter(
        "edgeproxy_cluster_lease_tokens_total", "Tokens this instance leased from shared rate-limit buckets in Redis.");
}
