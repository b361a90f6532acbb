using EdgeProxy.Http;
using EdgeProxy.Routing;

namespace EdgeProxy.Caching;

/// <summary>The per-request parts of a response the cache writes: everything the stored head cannot hold.</summary>
internal readonly ref struct CacheServeContext
{
    public ReadOnlySpan<byte> RequestId { get; init; }

    /// <summary>The <c>Via</c> value, e.g. <c>1.1 edgeproxy</c>.</summary>
    public ReadOnlySpan<byte> Via { get; init; }

    /// <summary>The cache's name in <c>Cache-Status</c> (RFC 9211): the gateway name.</summary>
    public ReadOnlySpan<byte> CacheName { get; init; }

    public bool KeepAlive { get; init; }

    public HttpVersion ClientVersion { get; init; }

    /// <summary>The route's response header edits; removals were applied when storing, additions are written per response.</summary>
    public HeaderTransform? Transform { get; init; }

    /// <summary><c>http</c> or <c>https</c>: part of the key.</summary>
    public ReadOnlySpan<byte> Scheme { get; init; }

    /// <summary>The route's CORS lines for this request's origin (see <see cref="Cors.CorsPolicy"/>); empty on routes without CORS.</summary>
    public ReadOnlySpan<byte> Cors { get; init; }

    /// <summary>The authenticated consumer, keyed on for <c>private = true</c> routes; empty otherwise.</summary>
    public ReadOnlySpan<byte> ConsumerId { get; init; }
}
