using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Caching;

/// <summary>Purge requests as the admin port receives them, turned into store operations.</summary>
internal static class CachePurge
{
    /// <summary>
    /// Every stored response for one URL as its route keys it (query normalized the route's way): all variants, all
    /// route-Vary values and, on private routes, every consumer's copy. Returns the number of entries removed.
    /// </summary>
    public static int Url(ResponseCache cache, RouteCachePolicy policy, string scheme, string host, string pathAndQuery)
    {
        var head = Encoding.UTF8.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        var request = new RequestHead(4);
        Http11Parser.ParseRequest(head, request, 4);
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
}
