using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Analytics;

/// <summary>The sums and sketches of one rollup row while a batch is being folded (or a query point built).</summary>
public sealed class RollupCell
{
    public long Count;
    public long Errors;

    /// <summary>Requests the gateway or the upstream failed (<see cref="AnalyticsRecord.IsFailure"/>): what availability counts against.</summary>
    public long Failures;
    public long BytesIn;
    public long BytesOut;

    /// <summary>Answered from the cache (hit, stale, not modified), out of <see cref="CacheLookups"/> (route has a cache).</summary>
    public long CacheHits;
    public long CacheLookups;

    public long TotalMicroseconds;
    public long UpstreamMicroseconds;
    public long OverheadMicroseconds;

    public LatencySketch Total { get; } = new();
    public LatencySketch Upstream { get; } = new();
    public LatencySketch Overhead { get; } = new();

    public void Add(in AnalyticsRecord record)
    {
        Count++;
        Errors += record.IsError ? 1 : 0;
        Failures += record.IsFailure ? 1 : 0;
        BytesIn += record.BytesIn;
        BytesOut += record.BytesOut;
        if (record.Cache != AnalyticsCacheStatus.None)
        {
            CacheLookups++;
            CacheHits += record.Cache is AnalyticsCacheStatus.Hit or AnalyticsCacheStatus.Stale or AnalyticsCacheStatus.NotModified ? 1 : 0;
        }

        TotalMicroseconds += record.TotalMicroseconds;
        UpstreamMicroseconds += record.UpstreamMicroseconds;
        OverheadMicroseconds += record.OverheadMicroseconds;
        Total.Add(record.TotalMicroseconds);
        Upstream.Add(record.UpstreamMicroseconds);
        Overhead.Add(record.OverheadMicroseconds);
    }

    /// <summary>Adds a stored row (sums and serialized sketches).</summary>
    public void Add(RollupRow row)
    {
        Count += row.Count;
        Errors += row.Errors;
        Failures += row.Failures;
        BytesIn += row.BytesIn;
        BytesOut += row.BytesOut;
        CacheHits += row.CacheHits;
        CacheLookups += row.CacheLookups;
        TotalMicroseconds += row.TotalUs;
        UpstreamMicroseconds += row.UpstreamUs;
        OverheadMicroseconds += row.OverheadUs;
        Total.Merge(row.TotalSketch);
        Upstream.Merge(row.UpstreamSketch);
        Overhead.Merge(row.OverheadSketch);
    }
}
