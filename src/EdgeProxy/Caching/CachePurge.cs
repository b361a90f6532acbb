using System.Text;
using EdgeProxy.Config;
using EdgeProxy.Http;

namespace EdgeProxy.Caching;

/// <summary>What a purge request did: entries removed, or why it was refused.</summary>
internal readonly record struct PurgeResult(int Purged, string? Error);

/// <summary>Purge requests as the admin port receives them (<c>POST /cache/purge?...</c>), turned into store operations.</summary>
internal static class CachePurge
{
    private const string Usage = "give one of url=<absolute URL>, prefix=<path prefix> (with optional host=), route=<route id>, tag=<tag>, all=true";

    /// <summary>Exactly one selector: <c>url</c>, <c>prefix</c> (+ <c>host</c>), <c>route</c>, <c>tag</c> or <c>all=true</c>.</summary>
    public static PurgeResult FromQuery(ResponseCache cache, PolicySnapshot snapshot, string? url, string? host, string? prefix, string? route, string? tag, string? all)
    {
        var given = (url is null ? 0 : 1) + (prefix is null ? 0 : 1) + (route is null ? 0 : 1) + (tag is null ? 0 : 1) + (all is null ? 0 : 1);
        if (given != 1)
        {
            return new PurgeResult(0, Usage);
        }

        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                return new PurgeResult(0, $"url must be an absolute http:// or https:// URL, found \"{url}\"");
            }

            return new PurgeResult(Url(cache, snapshot, uri.Scheme, uri.Authority, uri.PathAndQuery), null);
        }

        if (prefix is not null)
        {
            return prefix.StartsWith('/') ? new PurgeResult(cache.PurgePathPrefix(host ?? "", prefix), null) : new PurgeResult(0, "prefix must start with '/'");
        }

        if (route is not null)
        {
            return new PurgeResult(cache.PurgeRoute(route), null);
        }

        if (tag is not null)
        {
            return new PurgeResult(cache.PurgeTag(tag), null);
        }

        return all == "true" ? new PurgeResult(cache.Clear(), null) : new PurgeResult(0, "all must be true");
    }

    /// <summary>Every entry of one URL as the route that serves it keys it (see <see cref="Url(ResponseCache, RouteCachePolicy, string, string, string)"/>); 0 when no caching route matches.</summary>
    public static int Url(ResponseCache cache, PolicySnapshot snapshot, string scheme, string host, string pathAndQuery)
    {
        var (head, request) = Parse(host, pathAndQuery);
        Span<Range> captures = stackalloc Range[16];
        return snapshot.Routes.Match(head, request, captures) is { Cache: { } policy } ? Url(cache, policy, scheme, host, pathAndQuery) : 0;
    }

    /// <summary>
    /// Every stored response for one URL as its route keys it (query normalized the route's way): all variants, all
    /// route-Vary values and, on private routes, every consumer's copy. Returns the number of entries removed.
    /// </summary>
    public static int Url(ResponseCache cache, RouteCachePolicy policy, string scheme, string host, string pathAndQuery)
    {
        var (head, request) = Parse(host, pathAndQuery);
        var key = new CacheKeyBuilder();
        key.Build(head, request, policy, Encoding.ASCII.GetBytes(scheme), default);

        // The key up to the NUL that ends the query: GET \0 scheme \0 host \0 path \0 query \0.
        var bytes = key.Key;
        var end = 0;
        for (var parts = 0; parts < 5; parts++)
        {
            end += bytes[end..].IndexOf((byte)0) + 1;
        }

        return cache.PurgePrefix(bytes[..end]);
    }

    private static (byte[] Head, RequestHead Request) Parse(string host, string pathAndQuery)
    {
        var head = Encoding.UTF8.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        var request = new RequestHead(4);
        Http11Parser.ParseRequest(head, request, 4);
        return (head, request);
    }
}
