using EdgeProxy.Http;
using EdgeProxy.Observability;

namespace EdgeProxy.Tests.Http;

/// <summary>Enums whose names leave the process (metrics labels, access log, JSON errors) are append-only: pin them.</summary>
public sealed class PersistedEnumTests
{
    [Fact]
    public void Error_kinds_keep_their_values_and_names()
    {
        var expected = new (ProxyErrorKind Kind, int Value, string Name)[]
        {
            (ProxyErrorKind.None, 0, "none"),
            (ProxyErrorKind.NoRoute, 1, "no_route"),
            (ProxyErrorKind.BadRequest, 2, "bad_request"),
            (ProxyErrorKind.BodyTooLarge, 3, "body_too_large"),
            (ProxyErrorKind.ConnectRefused, 4, "connect_refused"),
            (ProxyErrorKind.ConnectTimeout, 5, "connect_timeout"),
            (ProxyErrorKind.ResponseTimeout, 6, "response_timeout"),
            (ProxyErrorKind.UpstreamReset, 7, "upstream_reset"),
            (ProxyErrorKind.UpstreamProtocolError, 8, "upstream_protocol_error"),
            (ProxyErrorKind.IdleTimeout, 9, "idle_timeout"),
            (ProxyErrorKind.TotalTimeout, 10, "total_timeout"),
            (ProxyErrorKind.ClientAborted, 11, "client_aborted"),
            (ProxyErrorKind.NoEndpoint, 12, "no_endpoint"),
            (ProxyErrorKind.TlsHandshakeFailed, 13, "tls_handshake_failed"),
            (ProxyErrorKind.Unauthorized, 14, "unauthorized"),
            (ProxyErrorKind.Forbidden, 15, "forbidden"),
            (ProxyErrorKind.RateLimited, 16, "rate_limited"),
            (ProxyErrorKind.QuotaExceeded, 17, "quota_exceeded"),
            (ProxyErrorKind.Gone, 18, "gone"),
        };
        Assert.Equal(expected.Length, Enum.GetValues<ProxyErrorKind>().Length);
        foreach (var (kind, value, name) in expected)
        {
            Assert.Equal(value, (int)kind);
            Assert.Equal(name, ErrorNames.Of(kind));
        }
    }

    [Fact]
    public void Reject_reasons_are_append_only()
    {
        string[] names =
        [
            "None", "InvalidRequestLine", "InvalidMethod", "InvalidRequestTarget", "InvalidVersion", "UnsupportedVersion",
            "RequestLineTooLong", "HeadersTooLarge", "TooManyHeaders", "BareLineFeed", "BareCarriageReturn", "ObsoleteLineFolding",
            "WhitespaceBeforeColon", "InvalidHeaderName", "InvalidHeaderValue", "MissingHost", "DuplicateHost", "InvalidContentLength",
            "DuplicateContentLength", "ContentLengthAndTransferEncoding", "InvalidTransferEncoding", "UnsupportedTransferEncoding",
            "InvalidChunk", "BodyTooLarge", "HeaderTimeout", "UnexpectedEndOfRequest", "MethodNotSupported", "ExpectationFailed",
        ];
        Assert.Equal(names, Enum.GetNames<RejectReason>());
    }

    /// <summary>Analytics batches carry these as bytes; the gateway's error kinds are cast straight into them.</summary>
    [Fact]
    public void Analytics_enums_are_append_only_and_error_kinds_match_the_gateways()
    {
        foreach (var kind in Enum.GetValues<ProxyErrorKind>())
        {
            Assert.Equal(kind.ToString(), ((EdgeProxy.Policy.Analytics.AnalyticsErrorKind)(byte)kind).ToString());
        }

        Assert.Equal(Enum.GetValues<ProxyErrorKind>().Length, Enum.GetValues<EdgeProxy.Policy.Analytics.AnalyticsErrorKind>().Length);
        Assert.Equal(["Other", "Get", "Head", "Post", "Put", "Delete", "Patch", "Options", "Trace", "Connect"], Enum.GetNames<EdgeProxy.Policy.Analytics.AnalyticsMethod>());
        Assert.Equal(["None", "Hit", "Miss", "Bypass", "Stale", "NotModified", "Revalidated"], Enum.GetNames<EdgeProxy.Policy.Analytics.AnalyticsCacheStatus>());
        Assert.Equal(["None", "Zstd", "Lz4"], Enum.GetNames<EdgeProxy.Policy.Analytics.AnalyticsCompression>());
    }
}
