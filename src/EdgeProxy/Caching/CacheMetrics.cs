using Prometheus;

namespace EdgeProxy.Caching;

/// <summary>Prometheus series of the response cache, plus plain counters a test can read for one cache instance.</summary>
internal sealed class CacheMetrics
{
    private static readonly Counter Lookups = Metrics.CreateCounter(
        "edgeproxy_cache_lookups_total", "Cache lookups by result: hit, miss, stale (served stale), bypass, not_modified (answered 304).",
        new CounterConfiguration { LabelNames = ["result"] });

    private static readonly Counter Evictions = Metrics.CreateCounter("edgeproxy_cache_evictions_total", "Entries evicted to stay within [cache] max_bytes.");

    private static readonly Counter CoalescedWaits = Metrics.CreateCounter("edgeproxy_cache_coalesced_waits_total", "Requests that waited for another request's fetch of the same response.");

    private static readonly Counter Stores = Metrics.CreateCounter(
        "edgeproxy_cache_stores_total", "Responses offered to the cache, by outcome (stored, abandoned).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Gauge Bytes = Metrics.CreateGauge("edgeproxy_cache_bytes", "Bytes held by the response cache.");

    private static readonly Gauge Entries = Metrics.CreateGauge("edgeproxy_cache_entries", "Entries held by the response cache (variants and Vary markers included).");

    private static readonly Counter Refreshes = Metrics.CreateCounter(
        "edgeproxy_cache_background_refreshes_total", "stale-while-revalidate refreshes run in the background, by outcome.",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Counter.Child RefreshedChild = Refreshes.WithLabels("refreshed");
    private static readonly Counter.Child RefreshFailedChild = Refreshes.WithLabels("failed");
    private static readonly Counter.Child HitChild = Lookups.WithLabels("hit");
    private static readonly Counter.Child MissChild = Lookups.WithLabels("miss");
    private static readonly Counter.Child StaleChild = Lookups.WithLabels("stale");
    private static readonly Counter.Child BypassChild = Lookups.WithLabels("bypass");
    private static readonly Counter.Child NotModifiedChild = Lookups.WithLabels("not_modified");
    private static readonly Counter.Child StoredChild = Stores.WithLabels("stored");
    private static readonly Counter.Child AbandonedChild = Stores.WithLabels("abandoned");

    private readonly bool _export;
    private long _hits;
    private long _misses;
    private long _stale;
    private long _bypasses;
    private long _notModified;
    private long _evictions;
    private long _coalescedWaits;
    private long _stored;
    private long _abandoned;
    private long _refreshed;
    private long _refreshFailed;

    /// <param name="export">False for caches built by tests and benchmarks, so they do not move the process-wide series.</param>
    public CacheMetrics(bool export) => _export = export;

    public long Hits => Volatile.Read(ref _hits);
    public long Misses => Volatile.Read(ref _misses);
    public long Stale => Volatile.Read(ref _stale);
    public long Bypasses => Volatile.Read(ref _bypasses);
    public long NotModified => Volatile.Read(ref _notModified);
    public long EvictionCount => Volatile.Read(ref _evictions);
    public long CoalescedWaitCount => Volatile.Read(ref _coalescedWaits);
    public long StoredCount => Volatile.Read(ref _stored);
    public long AbandonedCount => Volatile.Read(ref _abandoned);
    public long RefreshedCount => Volatile.Read(ref _refreshed);
    public long RefreshFailedCount => Volatile.Read(ref _refreshFailed);

    public void Hit() => Count(ref _hits, HitChild);
    public void Miss() => Count(ref _misses, MissChild);
    public void ServedStale() => Count(ref _stale, StaleChild);
    public void Bypass() => Count(ref _bypasses, BypassChild);
    public void AnsweredNotModified() => Count(ref _notModified, NotModifiedChild);
    public void Stored() => Count(ref _stored, StoredChild);
    public void Abandoned() => Count(ref _abandoned, AbandonedChild);
    public void Refreshed() => Count(ref _refreshed, RefreshedChild);
    public void RefreshFailed() => Count(ref _refreshFailed, RefreshFailedChild);

    public void Evicted()
    {
        Interlocked.Increment(ref _evictions);
        if (_export)
        {
            Evictions.Inc();
        }
    }

    public void CoalescedWait()
    {
        Interlocked.Increment(ref _coalescedWaits);
        if (_export)
        {
            CoalescedWaits.Inc();
        }
    }

    public void Size(long bytes, int entries)
    {
        if (_export)
        {
            Bytes.Set(bytes);
            Entries.Set(entries);
        }
    }

    private void Count(ref long counter, Counter.Child child)
    {
        Interlocked.Increment(ref counter);
        if (_export)
        {
            child.Inc();
        }
    }
}
