namespace EdgeProxy.Policy.Analytics;

// These enums travel in batches: their values are append-only (pinned by PersistedEnumTests).

/// <summary>The request method; anything else is <see cref="Other"/>.</summary>
public enum AnalyticsMethod : byte
{
    Other = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Trace,
    Connect,
}

/// <summary>What the response cache did for the request.</summary>
public enum AnalyticsCacheStatus : byte
{
    /// <summary>The route has no cache.</summary>
    None = 0,
    Hit,
    Miss,

    /// <summary>Cacheable route, but this request or response was not (method, directives, body).</summary>
    Bypass,

    /// <summary>A stale entry answered (stale-while-revalidate or stale-if-error).</summary>
    Stale,

    /// <summary>A 304 answered from the cache's validators.</summary>
    NotModified,

    /// <summary>Forwarded with the stored validators.</summary>
    Revalidated,
}

/// <summary>Why the exchange failed or was refused; same values as the gateway's own error kinds.</summary>
public enum AnalyticsErrorKind : byte
{
    None = 0,
    NoRoute,
    BadRequest,
    BodyTooLarge,
    ConnectRefused,
    ConnectTimeout,
    ResponseTimeout,
    UpstreamReset,
    UpstreamProtocolError,
    IdleTimeout,
    TotalTimeout,
    ClientAborted,
    NoEndpoint,
    TlsHandshakeFailed,
    Unauthorized,
    Forbidden,
    RateLimited,
    QuotaExceeded,

    /// <summary>The route's API version is retired (410).</summary>
    Gone,
}

/// <summary>How a batch's payload is compressed.</summary>
public enum AnalyticsCompression : byte
{
    None = 0,
    Zstd = 1,
    Lz4 = 2,
}
