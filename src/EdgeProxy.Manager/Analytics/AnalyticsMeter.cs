using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// The rollup measures as .NET metrics (meter <see cref="Name"/>), added once per stored rollup cell, so an exporter
/// (<see cref="OtlpMetricsExport"/>) sends what the manager counted. Tagged by route, API, status class and upstream;
/// not by consumer, whose count is unbounded (per-consumer figures stay in the query API).
/// </summary>
public sealed class AnalyticsMeter : IDisposable
{
    public const string Name = "EdgeProxy.Manager.Analytics";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _totalUs;
    private readonly Counter<long> _upstreamUs;
    private readonly Counter<long> _overheadUs;

    public AnalyticsMeter(ManagerOptions options)
    {
        _meter = new Meter(options.Analytics.MeterName);
        _requests = _meter.CreateCounter<long>("edgeproxy.analytics.requests", "{request}", "Requests the gateways reported");
        _errors = _meter.CreateCounter<long>("edgeproxy.analytics.errors", "{request}", "Requests with a 5xx or an error kind (denials included)");
        _failures = _meter.CreateCounter<long>("edgeproxy.analytics.failures", "{request}", "Requests the gateway or upstream failed (what SLO availability counts)");
        _bytesIn = _meter.CreateCounter<long>("edgeproxy.analytics.bytes_in", "By", "Request body bytes");
        _bytesOut = _meter.CreateCounter<long>("edgeproxy.analytics.bytes_out", "By", "Response bytes");
        _cacheHits = _meter.CreateCounter<long>("edgeproxy.analytics.cache_hits", "{request}", "Requests answered from the cache");
        _cacheLookups = _meter.CreateCounter<long>("edgeproxy.analytics.cache_lookups", "{request}", "Requests on cached routes");
        _totalUs = _meter.CreateCounter<long>("edgeproxy.analytics.duration", "us", "Sum of total request time");
        _upstreamUs = _meter.CreateCounter<long>("edgeproxy.analytics.upstream_duration", "us", "Sum of upstream time");
        _overheadUs = _meter.CreateCounter<long>("edgeproxy.analytics.overhead_duration", "us", "Sum of time spent in the gateway");
    }

    public void Add(string route, string api, int statusClass, string upstream, RollupCell cell)
    {
        var tags = new TagList
        {
            { "route", route },
            { "api", api },
            { "status_class", statusClass },
            { "upstream", upstream },
        };
        _requests.Add(cell.Count, tags);
        _errors.Add(cell.Errors, tags);
        _failures.Add(cell.Failures, tags);
        _bytesIn.Add(cell.BytesIn, tags);
        _bytesOut.Add(cell.BytesOut, tags);
        _cacheHits.Add(cell.CacheHits, tags);
        _cacheLookups.Add(cell.CacheLookups, tags);
        _totalUs.Add(cell.TotalMicroseconds, tags);
        _upstreamUs.Add(cell.UpstreamMicroseconds, tags);
        _overheadUs.Add(cell.OverheadMicroseconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
