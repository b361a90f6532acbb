using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;
using EdgeProxy.Tests.Config;

namespace EdgeProxy.Tests.Caching;

/// <summary>A reload keeps the cache unless a route's cache settings (or response header edits) changed.</summary>
public sealed class CacheReloadTests
{
    private static GatewayConfig Config(string usersCache, string ordersHeaders = "", string cacheSection = "") => ConfigAssert.Valid(ConfigAssert.LoadWithMinimal($$"""
        {{cacheSection}}
        [[routes]]
        id = "users"
        cluster = "backend"
        path_prefix = "/users"
        cache = {{usersCache}}

        [[routes]]
        id = "orders"
        cluster = "backend"
        path_prefix = "/orders"
        cache = { ttl = "10s" }
        {{ordersHeaders}}
        """));

    private static CacheEntry Entry(string route, string path) => new()
    {
        Key = System.Text.Encoding.ASCII.GetBytes($"GET\0http\0h\0{path}\0\0"),
        PathStart = 9,
        PathLength = path.Length,
        RouteId = route,
        Body = new byte[1000],
        BodyLength = 1000,
    };

    private static ResponseCache Filled()
    {
        var cache = new ResponseCache(new CacheSettings(), new CacheMetrics(export: false));
        cache.Insert(Entry("users", "/users/1"));
        cache.Insert(Entry("orders", "/orders/1"));
        return cache;
    }

    [Fact]
    public void Unchanged_routes_keep_their_entries()
    {
        var cache = Filled();
        Assert.Empty(CacheReload.Apply(cache, Config("{ ttl = \"60s\" }"), Config("{ ttl = \"60s\" }")));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void A_changed_cache_table_purges_only_that_route()
    {
        var cache = Filled();
        Assert.Equal(["users"], CacheReload.Apply(cache, Config("{ ttl = \"60s\" }"), Config("{ ttl = \"30s\" }")));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Changed_response_header_edits_purge_the_route()
    {
        var cache = Filled();
        Assert.Equal(["orders"], CacheReload.Apply(cache, Config("{ ttl = \"60s\" }"), Config("{ ttl = \"60s\" }", "response_headers = { remove = [\"X-A\"] }")));
    }

    [Fact]
    public void A_smaller_max_bytes_evicts_down_at_once()
    {
        var cache = Filled();
        CacheReload.Apply(cache, Config("{}"), Config("{}", cacheSection: "[cache]\nmax_bytes = \"64KiB\"\nmax_entry_bytes = \"1KiB\""));
        Assert.Equal(64 * 1024, cache.MaxBytes);
        Assert.Equal(2, cache.Count);
        for (var i = 0; i < 100; i++)
        {
            cache.Insert(Entry("users", "/users/x" + i));
        }

        Assert.True(cache.Bytes <= 64 * 1024);
    }
}
