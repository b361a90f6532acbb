using EdgeProxy.Config;
using EdgeProxy.Policies.Auth;
using Prometheus;

namespace EdgeProxy.Policies;

/// <summary>
/// Prometheus series of the access policies. Request-path counters are resolved to their label children once, so
/// counting is one atomic add; per-limit counters live on the limits (kept across reloads) and are copied into
/// gauges when /metrics is scraped.
/// </summary>
internal static class PolicyMetrics
{
    private static readonly Counter s_apiKeys = Metrics.CreateCounter(
        "edgeproxy_api_key_results_total", "API key checks by outcome (ok, missing, unknown, expired, revoked, consumer_disabled).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Counter.Child[] s_apiKeyChildren = BuildApiKeyChildren();

    public static readonly Counter RateLimited = Metrics.CreateCounter(
        "edgeproxy_rate_limited_total", "Requests refused with 429 by a rate limit.");

    public static readonly Counter QuotaExceeded = Metrics.CreateCounter(
        "edgeproxy_quota_exceeded_total", "Requests refused with 429 because a consumer's quota was used up.");

    private static readonly Counter s_connectionsRefused = Metrics.CreateCounter(
        "edgeproxy_connections_refused_total", "Client connections refused at accept by the per-address limits of [limits].",
        new CounterConfiguration { LabelNames = ["reason"] });

    private static readonly Counter.Child[] s_connectionsRefusedChildren =
        [s_connectionsRefused.WithLabels("max_connections_per_ip"), s_connectionsRefused.WithLabels("connection_rate_per_ip")];

    private static readonly Gauge s_limitRequests = Metrics.CreateGauge(
        "edgeproxy_rate_limit_requests", "Requests evaluated per rate limit since it was defined, by result (allowed, limited, enforced).",
        new GaugeConfiguration { LabelNames = ["limit", "result"] });

    private static readonly Gauge s_buckets = Metrics.CreateGauge(
        "edgeproxy_rate_limit_buckets", "Token buckets held (bounded by [rate_limiting] max_buckets).");

    private static readonly Gauge s_evictions = Metrics.CreateGauge(
        "edgeproxy_rate_limit_bucket_evictions", "Buckets evicted since start: idle ones that were full again, or under table pressure.",
        new GaugeConfiguration { LabelNames = ["reason"] });

    public static Counter.Child ApiKeyResults(ApiKeyOutcome outcome) => s_apiKeyChildren[(int)outcome];

    public static Counter.Child ConnectionsRefused(AcceptRefusal reason) => s_connectionsRefusedChildren[(int)reason - 1];

    /// <summary>Copies the per-limit counters of the running snapshot into gauges at scrape time.</summary>
    /// <returns>Dispose to stop reporting this store (prometheus-net has no way to remove a callback).</returns>
    public static IDisposable Register(PolicyStore store, PolicyRuntime runtime)
    {
        var registration = new Registration();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            if (registration.Disposed)
            {
                return;
            }

            var limiter = runtime.Limiter;
            s_buckets.Set(limiter.Count);
            s_evictions.WithLabels("idle").Set(limiter.IdleEvictions);
            s_evictions.WithLabels("pressure").Set(limiter.PressureEvictions);
            foreach (var limit in store.Current.Access.Limits.All)
            {
                var counters = limit.Counters;
                s_limitRequests.WithLabels(limit.Identity, "allowed").Set(counters.Allowed);
                s_limitRequests.WithLabels(limit.Identity, "limited").Set(counters.Limited);
                s_limitRequests.WithLabels(limit.Identity, "enforced").Set(counters.Enforced);
            }
        });
        return registration;
    }

    private sealed class Registration : IDisposable
    {
        public volatile bool Disposed;

        public void Dispose() => Disposed = true;
    }

    private static Counter.Child[] BuildApiKeyChildren()
    {
        var children = new Counter.Child[(int)ApiKeyOutcome.ConsumerDisabled + 1];
        for (var i = 0; i < children.Length; i++)
        {
            children[i] = s_apiKeys.WithLabels(ApiKeyOutcomes.Name((ApiKeyOutcome)i));
        }

        return children;
    }
}
