namespace EdgeProxy.Manager.Analytics;

// Query answers. Latencies are microseconds (the gateway measures in µs); percentiles carry the sketch's ±1%.

/// <summary>One step of a time series; <see cref="Time"/> is the step's start, Unix seconds.</summary>
public sealed record SeriesPoint(
    long Time,
    long Requests,
    double RequestsPerSecond,
    long Errors,
    double ErrorRate,
    double P50Us,
    double P95Us,
    double P99Us,
    double UpstreamP99Us,
    double OverheadP99Us,
    double AvgUpstreamUs,
    double AvgOverheadUs,
    double? CacheHitRatio,
    long BytesIn,
    long BytesOut,
    long Status2xx,
    long Status3xx,
    long Status4xx,
    long Status5xx);

public sealed record Series(long From, long To, long StepSeconds, double RelativeError, TopEntry Total, IReadOnlyList<SeriesPoint> Points);

/// <summary>One consumer, route, API, upstream or status class over the range.</summary>
public sealed record TopEntry(
    string Name,
    long Requests,
    long Errors,
    double ErrorRate,
    double P50Us,
    double P95Us,
    double P99Us,
    double AvgUpstreamUs,
    double AvgOverheadUs,
    double? CacheHitRatio,
    long BytesIn,
    long BytesOut);

/// <summary>
/// An error sample as stored; <see cref="Request"/> is the request's target and headers (secrets redacted) when the
/// gateway sent them (wire format v3, within its per-second cap), else null.
/// </summary>
public sealed record ErrorExample(string RequestId, DateTimeOffset At, string Method, int Status, string Consumer, string Policy, long TotalUs, string GatewayId,
    EdgeProxy.Policy.Analytics.AnalyticsRequestSample? Request = null);

/// <summary>
/// Errors of one (route, upstream, kind). <see cref="StartedAt"/> is the change point: the first error of the
/// current run, i.e. after the last quiet gap of at least <see cref="AnalyticsQueries.QuietGap"/> before the newest one.
/// </summary>
public sealed record ErrorGroup(
    string Route,
    string Upstream,
    string ErrorKind,
    long Count,
    DateTimeOffset FirstInRange,
    DateTimeOffset LastInRange,
    DateTimeOffset StartedAt,
    IReadOnlyList<ErrorExample> Examples);
