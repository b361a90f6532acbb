namespace EdgeProxy.Http;

/// <summary>
/// What went wrong with an exchange. Append only: the names leave the process as the <c>error</c> field of
/// the access log, metric labels and (later) analytics records.
/// </summary>
internal enum ProxyErrorKind : byte
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

    /// <summary>Policy denials: the access step answered itself (the API key, a rate limit, a quota).</summary>
    Unauthorized,
    Forbidden,
    RateLimited,
    QuotaExceeded,

    /// <summary>The route's API version is retired: 410.</summary>
    Gone,
}

/// <summary>A failure on the upstream side (or a client abort) that ends the current exchange.</summary>
internal sealed class ProxyException(ProxyErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public ProxyErrorKind Kind { get; } = kind;

    /// <summary>True once any byte of the response went to the client: then the only honest answer is to close.</summary>
    public bool ResponseStarted { get; init; }

    public int StatusCode => StatusCodeOf(Kind);

    public static int StatusCodeOf(ProxyErrorKind kind) => kind switch
    {
        ProxyErrorKind.NoRoute => 404,
        ProxyErrorKind.BodyTooLarge => 413,
        ProxyErrorKind.ConnectTimeout or ProxyErrorKind.ResponseTimeout or ProxyErrorKind.TotalTimeout or ProxyErrorKind.IdleTimeout => 504,
        ProxyErrorKind.NoEndpoint => 503,
        ProxyErrorKind.BadRequest => 400,
        ProxyErrorKind.Unauthorized => 401,
        ProxyErrorKind.Forbidden => 403,
        ProxyErrorKind.RateLimited or ProxyErrorKind.QuotaExceeded => 429,
        ProxyErrorKind.Gone => 410,
        _ => 502,
    };
}
