using Prometheus;

namespace EdgeProxy.Analytics;

/// <summary>Prometheus metrics of the analytics pipeline (on the admin port's <c>/metrics</c>).</summary>
internal static class AnalyticsMetrics
{
    public static readonly Counter RecordsDropped = Metrics.CreateCounter(
        "edgeproxy_analytics_records_dropped_total",
        "Analytics records lost, by reason: buffer_full (the shipper fell behind), spool_full (manager down and the spool at its bound), no_spool (manager down, no spool_dir), rejected (the manager refused the batch).",
        new CounterConfiguration { LabelNames = ["reason"] });

    public static readonly Counter.Child DroppedBufferFull = RecordsDropped.WithLabels("buffer_full");

    public static readonly Counter SamplesSkipped = Metrics.CreateCounter(
        "edgeproxy_analytics_samples_skipped_total",
        "Request samples (headers and target of an error record) not taken, by reason: buffer_full (every sample slot waiting for the shipper), rate_limited (error_samples_per_second reached). The record itself is kept.",
        new CounterConfiguration { LabelNames = ["reason"] });

    public static readonly Counter.Child SamplesSkippedFull = SamplesSkipped.WithLabels("buffer_full");

    public static readonly Counter.Child SamplesSkippedRate = SamplesSkipped.WithLabels("rate_limited");

    public static readonly Counter SamplesWritten = Metrics.CreateCounter(
        "edgeproxy_analytics_samples_total", "Request samples taken for error records.");

    public static readonly Counter BatchesSent = Metrics.CreateCounter(
        "edgeproxy_analytics_batches_sent_total", "Analytics batches the manager accepted (fresh or from the spool).");

    public static readonly Counter RecordsSent = Metrics.CreateCounter(
        "edgeproxy_analytics_records_sent_total", "Analytics records in accepted batches.");

    public static readonly Counter SendFailures = Metrics.CreateCounter(
        "edgeproxy_analytics_send_failures_total", "Ingest POSTs that failed (connect error, timeout, 5xx); the batch stays spooled.");

    public static readonly Gauge SpoolBytes = Metrics.CreateGauge(
        "edgeproxy_analytics_spool_bytes", "Bytes of analytics batches waiting in the on-disk spool.");
}
