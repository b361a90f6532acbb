using EdgeProxy.Policy.Config;

namespace EdgeProxy.Caching;

/// <summary>
/// What a config reload does to the cache (STYLE pattern 6): it is kept, except the entries of routes whose cache
/// settings or response header edits changed (the stored heads were shaped by them) or that are gone.
/// </summary>
internal static class CacheReload
{
    /// <summary>Applies <paramref name="next"/> to <paramref name="cache"/>; returns the ids of the routes whose entries were purged.</summary>
    public static List<string> Apply(ResponseCache cache, GatewayConfig previous, GatewayConfig next)
    {
        if (!cache.Settings.Equals(next.Cache))
        {
            cache.Reconfigure(next.Cache);
        }

        var kept = new Dictionary<string, RouteConfig>(StringComparer.Ordinal);
        foreach (var route in next.Routes)
        {
            kept[route.Id] = route;
        }

        var purged = new List<string>();
        foreach (var old in previous.Routes)
        {
            if (old.Cache is null)
            {
                continue;
            }

            if (kept.TryGetValue(old.Id, out var now) && Equals(old.Cache, now.Cache) && old.ResponseHeaders.Equals(now.ResponseHeaders))
            {
                continue;
            }

            cache.PurgeRoute(old.Id);
            purged.Add(old.Id);
        }

        return purged;
    }
}
