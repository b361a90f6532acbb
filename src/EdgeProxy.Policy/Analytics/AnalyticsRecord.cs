namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// One proxied request as analytics sees it. Unmanaged on purpose: the gateway copies it into a ring slot on the
/// request path without allocating, and the manager gets the same struct back from <see cref="AnalyticsBatchDecoder"/>.
/// Names (route, API, consumer, upstream, policy) are ids: process-wide interned ids in the gateway, indices into
/// <see cref="AnalyticsBatch.Names"/> after decoding; 0 means "none".
/// </summary>
public struct AnalyticsRecord
{
    /// <summary>When the response ended, Unix time in microseconds.</summary>
    public long UnixMicroseconds;

    public int Route;

    /// <summary>The API (<c>[[apis]] id</c>) and version the route serves; 0 for a route of no API.</summary>
    public int Api;
    public int ApiVersion;

    public int Consumer;

    /// <summary>The consumer's application; 0 until keys name one.</summary>
    public int App;

    /// <summary>The upstream endpoint (<c>scheme://host:port</c>) the request went to; 0 when none was tried.</summary>
    public int Upstream;

    /// <summary>The policy that denied the request (<c>api_key</c>, a rate limit's name, <c>quota</c>, <c>api_grant</c>, <c>api_draft</c>); 0 otherwise.</summary>
    public int Policy;

    public ClientPrefix Client;
    public AnalyticsMethod Method;
    public short Status;
    public AnalyticsCacheStatus Cache;
    public AnalyticsErrorKind Error;

    public long TotalMicroseconds;
    public long UpstreamMicroseconds;

    /// <summary>Time spent in the gateway itself: total minus the upstream's share (never sent: derived on decode).</summary>
    public long OverheadMicroseconds;

    public long BytesIn;
    public long BytesOut;

    /// <summary>The gateway's X-Request-Id for the request (the one it sent upstream and answered with).</summary>
    public AnalyticsRequestId RequestId;

    /// <summary>
    /// The record's request sample (errors only), 0 for none: in the gateway a slot of its sample ring, after decoding
    /// an index into <see cref="AnalyticsBatch.Samples"/> (see <see cref="AnalyticsBatch.SampleOf"/>).
    /// </summary>
    public int Sample;

    /// <summary>Errors are always kept by sampling: a 5xx or any error kind.</summary>
    public readonly bool IsError => IsErrorOutcome(Status, Error);

    /// <summary>The rule of <see cref="IsError"/>, for an exchange not yet made into a record (the gateway's capture).</summary>
    public static bool IsErrorOutcome(int status, AnalyticsErrorKind error) => status >= 500 || error != AnalyticsErrorKind.None;

    /// <summary>
    /// Failed by the gateway or the upstream: a 5xx, or an upstream error kind (even when it struck after a 2xx's
    /// head was sent). Policy denials (401/403/429), client errors and client aborts are errors but not failures:
    /// SLO availability is the share of requests that are not failures.
    /// </summary>
    public readonly bool IsFailure => Status >= 500 || Error is AnalyticsErrorKind.ConnectRefused or AnalyticsErrorKind.ConnectTimeout
        or AnalyticsErrorKind.ResponseTimeout or AnalyticsErrorKind.UpstreamReset or AnalyticsErrorKind.UpstreamProtocolError
        or AnalyticsErrorKind.IdleTimeout or AnalyticsErrorKind.TotalTimeout or AnalyticsErrorKind.NoEndpoint or AnalyticsErrorKind.TlsHandshakeFailed;
}
