using Prometheus;

namespace EdgeProxy.Observability;

/// <summary>Process-wide Prometheus metrics, exported on the admin port's <c>/metrics</c>.</summary>
internal static class GatewayMetrics
{
    public static readonly Counter Requests = Metrics.CreateCounter(
        "edgeproxy_requests_total", "Requests answered, by route and status code.",
        new CounterConfiguration { LabelNames = ["route", "status"] });

    public static readonly Histogram RequestDuration = Metrics.CreateHistogram(
        "edgeproxy_request_duration_seconds", "Time from the request head to the end of the response, by route.",
        new HistogramConfiguration
        {
            LabelNames = ["route"],
            Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        });

    public static readonly Counter BytesReceived = Metrics.CreateCounter(
        "edgeproxy_request_body_bytes_total", "Request body bytes forwarded upstream, by route.",
        new CounterConfiguration { LabelNames = ["route"] });

    public static readonly Counter BytesSent = Metrics.CreateCounter(
        "edgeproxy_response_body_bytes_total", "Response body bytes sent to clients, by route.",
        new CounterConfiguration { LabelNames = ["route"] });

    public static readonly Counter BadRequests = Metrics.CreateCounter(
        "edgeproxy_bad_requests_total", "Client requests refused by the HTTP parser, by reason.",
        new CounterConfiguration { LabelNames = ["reason"] });

    public static readonly Counter UpstreamErrors = Metrics.CreateCounter(
        "edgeproxy_upstream_errors_total", "Failed exchanges with upstreams, by error kind.",
        new CounterConfiguration { LabelNames = ["kind"] });

    public static readonly Gauge ClientConnections = Metrics.CreateGauge(
        "edgeproxy_client_connections", "Open client connections.");

    public static readonly Gauge UpstreamConnections = Metrics.CreateGauge(
        "edgeproxy_upstream_connections", "Open upstream connections, pooled or busy.");

    public static readonly Counter UpstreamEjections = Metrics.CreateCounter(
        "edgeproxy_upstream_ejections_total", "Upstream endpoints passed over for a while after a failed connect (passive health).");

    public static readonly Counter PoolHits = Metrics.CreateCounter(
        "edgeproxy_upstream_pool_hits_total", "Requests that reused a pooled upstream connection.");

    public static readonly Counter PoolMisses = Metrics.CreateCounter(
        "edgeproxy_upstream_pool_misses_total", "Requests that had to open a new upstream connection.");

    public static readonly Counter ConfigReloads = Metrics.CreateCounter(
        "edgeproxy_config_reloads_total", "Config reload attempts, by result (ok, failed).",
        new CounterConfiguration { LabelNames = ["result"] });

    public static readonly Counter AccessLogDropped = Metrics.CreateCounter(
        "edgeproxy_access_log_dropped_total", "Access log lines dropped because the log buffer was full.");

    public static readonly Gauge ConfigLoadedAt = Metrics.CreateGauge(
        "edgeproxy_config_loaded_timestamp_seconds", "Unix time at which the running config was loaded.");

    public static readonly Gauge AllocatedBytes = Metrics.CreateGauge(
        "edgeproxy_gc_allocated_bytes", "Bytes allocated on the managed heap since start; flat under steady load when the request path allocates nothing.");

    public static readonly Gauge GcCollections = Metrics.CreateGauge(
        "edgeproxy_gc_collections", "Garbage collections since start, by generation.",
        new GaugeConfiguration { LabelNames = ["generation"] });

    public static readonly Gauge HeapBytes = Metrics.CreateGauge(
        "edgeproxy_gc_heap_bytes", "Managed heap size after the last collection.");

    private static readonly string[] s_statusLabels = BuildStatusLabels();

    public static string StatusLabel(int status) => (uint)status < (uint)s_statusLabels.Length ? s_statusLabels[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Keeps /metrics to what operators read: process metrics stay, runtime event counters (costly to collect) go.</summary>
    public static void Configure()
    {
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressEventCounters = true,
            SuppressMeters = true,
            SuppressDebugMetrics = true,
            SuppressProcessMetrics = false,
        });
        Metrics.DefaultRegistry.AddBeforeCollectCallback(static () =>
        {
            AllocatedBytes.Set(GC.GetTotalAllocatedBytes());
            HeapBytes.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
            for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            {
                GcCollections.WithLabels(GenerationLabels[generation]).Set(GC.CollectionCount(generation));
            }
        });
    }

    private static readonly string[] GenerationLabels = ["0", "1", "2"];

    private static string[] BuildStatusLabels()
    {
        var labels = new string[600];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return labels;
    }
}
