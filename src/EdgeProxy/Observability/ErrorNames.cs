using EdgeProxy.Http;

namespace EdgeProxy.Observability;

/// <summary>Stable snake_case names of <see cref="ProxyErrorKind"/> for logs, labels and JSON bodies.</summary>
internal static class ErrorNames
{
    public static string Of(ProxyErrorKind kind) => kind switch
    {
        ProxyErrorKind.NoRoute => "no_route",
        ProxyErrorKind.BadRequest => "bad_request",
        ProxyErrorKind.BodyTooLarge => "body_too_large",
        ProxyErrorKind.ConnectRefused => "connect_refused",
        ProxyErrorKind.ConnectTimeout => "connect_timeout",
        ProxyErrorKind.ResponseTimeout => "response_timeout",
        ProxyErrorKind.UpstreamReset => "upstream_reset",
        ProxyErrorKind.UpstreamProtocolError => "upstream_protocol_error",
        ProxyErrorKind.IdleTimeout => "idle_timeout",
        ProxyErrorKind.TotalTimeout => "total_timeout",
        ProxyErrorKind.ClientAborted => "client_aborted",
        ProxyErrorKind.NoEndpoint => "no_endpoint",
        ProxyErrorKind.TlsHandshakeFailed => "tls_handshake_failed",
        ProxyErrorKind.Unauthorized => "unauthorized",
        ProxyErrorKind.Forbidden => "forbidden",
        ProxyErrorKind.RateLimited => "rate_limited",
        ProxyErrorKind.QuotaExceeded => "quota_exceeded",
        ProxyErrorKind.Gone => "gone",
        _ => "none",
    };
}
