namespace EdgeProxy.Manager.Analytics;

/// <summary>One stored rollup row (minute or hour), as queries read it; <see cref="Time"/> is the bucket start in Unix seconds.</summary>
public sealed record RollupRow(
    long Time,
    string Route,
    string Api,
    string Consumer,
    long StatusClass,
    string Upstream,
    long Count,
    long Errors,
    long BytesIn,
    long BytesOut,
    long CacheHits,
    long CacheLookups,
    long TotalUs,
    long UpstreamUs,
    long OverheadUs,
    byte[] TotalSketch,
    byte[] UpstreamSketch,
    byte[] OverheadSketch,
    long Failures);
