using Prometheus;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// What ingest did with each POST: accepted batches and records, rejected batches per reason. Kept as plain
/// counters for the JSON stats and as prometheus-net counters (own registry) for <c>/metrics</c>.
/// </summary>
public sealed class IngestCounters
{
    /// <summary>Every reason ingest refuses a batch for; the JSON and the metric list them all, zero or not.</summary>
    public static readonly string[] Reasons = ["unsigned", "bad_signature", "stale_timestamp", "replayed", "malformed", "too_large", "not_configured"];

    private readonly long[] _rejected = new long[Reasons.Length];
    private readonly Counter _batchesMetric;
    private readonly Counter _recordsMetric;
    private readonly Counter _rejectedMetric;
    private long _batches;
    private long _records;

    public IngestCounters()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _batchesMetric = factory.CreateCounter("edgeproxy_manager_ingest_batches_total", "Analytics batches stored.");
        _recordsMetric = factory.CreateCounter("edgeproxy_manager_ingest_records_total", "Analytics records stored.");
        _rejectedMetric = factory.CreateCounter("edgeproxy_manager_ingest_rejected_total", "Analytics batches refused, by reason.", new CounterConfiguration { LabelNames = ["reason"] });
        foreach (var reason in Reasons)
        {
            _rejectedMetric.WithLabels(reason).IncTo(0);
        }
    }

    public CollectorRegistry Registry { get; }

    public void Accepted(int records)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _records, records);
        _batchesMetric.Inc();
        _recordsMetric.Inc(records);
    }

    public void Rejected(string reason)
    {
        Interlocked.Increment(ref _rejected[Array.IndexOf(Reasons, reason)]);
        _rejectedMetric.WithLabels(reason).Inc();
    }

    public IngestStats Snapshot()
    {
        var rejected = new Dictionary<string, long>(Reasons.Length);
        for (var i = 0; i < Reasons.Length; i++)
        {
            rejected[Reasons[i]] = Interlocked.Read(ref _rejected[i]);
        }

        return new IngestStats(Interlocked.Read(ref _batches), Interlocked.Read(ref _records), rejected);
    }
}

public sealed record IngestStats(long AcceptedBatches, long AcceptedRecords, IReadOnlyDictionary<string, long> Rejected);
