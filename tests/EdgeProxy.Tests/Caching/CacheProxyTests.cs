using EdgeProxy.Tests.Functional;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Caching;

/// <summary>The response cache on the request path, over real sockets against a real upstream.</summary>
public sealed class CacheProxyTests
{
    private static string Config(TestUpstream upstream, string cache = "cache = { ttl = \"60s\", tag_header = \"Surrogate-Key\" }", string settings = "") =>
        TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url) + $$"""
            {{settings}}

            [[routes]]
            id = "cached"
            cluster = "app"
            path_prefix = "/"
            {{cache}}
            """);

    private static async Task<RawResponse> GetAsync(RawClient client, string target, string headers = "")
    {
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: api\r\n{headers}\r\n");
        return await client.ReadResponseAsync();
    }

    [Fact]
    public async Task A_miss_is_stored_and_the_next_request_is_a_hit_with_age_and_cache_status()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();

        var miss = await GetAsync(client, "/cacheable?max_age=60");
        Assert.Equal(200, miss.Status);
        Assert.Equal("hit 1 ", miss.BodyText);
        Assert.Equal("MISS", miss.Header("X-Cache"));
        Assert.Equal("edgeproxy; fwd=miss; stored", miss.Header("Cache-Status"));

        var hit = await GetAsync(client, "/cacheable?max_age=60");
        Assert.Equal(200, hit.Status);
        Assert.Equal("hit 1 ", hit.BodyText);
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.StartsWith("edgeproxy; hit", hit.Header("Cache-Status"), StringComparison.Ordinal);
        Assert.NotNull(hit.Header("Age"));
        Assert.NotEqual(miss.Header("X-Request-Id"), hit.Header("X-Request-Id"));
        Assert.Equal(1, upstream.CacheableHits);
    }

    [Fact]
    public async Task Conditional_requests_are_answered_304_from_the_cache()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        Assert.Equal(200, (await GetAsync(client, "/cacheable?etag=%22v1%22")).Status);

        var notModified = await GetAsync(client, "/cacheable?etag=%22v1%22", "If-None-Match: \"v1\"\r\n");
        Assert.Equal(304, notModified.Status);
        Assert.Empty(notModified.Body);
        Assert.Equal(1, upstream.CacheableHits);
    }

    [Fact]
    public async Task A_stale_entry_is_revalidated_with_its_stored_validator_and_a_304_refreshes_it()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        Assert.Equal("MISS", (await GetAsync(client, "/cacheable?max_age=2&etag=%22v1%22")).Header("X-Cache"));

        // Date has one-second resolution, so a stored entry may start up to 1 s old: max-age=2 leaves it fresh for >= 1 s.
        await Task.Delay(3_100);
        // The gateway asks the upstream with If-None-Match: "v1"; the upstream's 304 makes the stored body fresh again.
        var revalidated = await GetAsync(client, "/cacheable?max_age=2&etag=%22v1%22");
        Assert.Equal(200, revalidated.Status);
        Assert.Equal("hit 1 ", revalidated.BodyText);
        Assert.Equal("REVALIDATED", revalidated.Header("X-Cache"));
        Assert.Equal(2, upstream.CacheableHits);

        var hit = await GetAsync(client, "/cacheable?max_age=2&etag=%22v1%22");
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.Equal(2, upstream.CacheableHits);

        // A client's own condition on a stale entry: the revalidation's 304 answers it with a 304 too, on the same connection.
        await Task.Delay(3_100);
        var conditional = await GetAsync(client, "/cacheable?max_age=2&etag=%22v1%22", "If-None-Match: \"v1\"\r\n");
        Assert.Equal(304, conditional.Status);
        Assert.Empty(conditional.Body);
        Assert.Equal(3, upstream.CacheableHits);
        Assert.Equal("HIT", (await GetAsync(client, "/cacheable?max_age=2&etag=%22v1%22")).Header("X-Cache"));
    }

    [Fact]
    public async Task Stale_while_revalidate_answers_at_once_and_refreshes_the_entry_in_the_background()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        // The upstream's 1 s delay counts into a stored entry's age (as does Date's one-second resolution): stored at
        // age 1-2 s, the entry is stale 2.5 s later, and a refreshed one stays fresh for at least a second.
        const string target = "/cacheable?max_age=3&swr=60&delay_ms=1000";
        Assert.Equal("hit 1 ", (await GetAsync(client, target)).BodyText);

        await Task.Delay(2_500);
        // Stale but within stale-while-revalidate: the stored body comes back without waiting for the slow upstream.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stale = await GetAsync(client, target);
        Assert.Equal("hit 1 ", stale.BodyText);
        Assert.Equal("STALE", stale.Header("X-Cache"));
        Assert.True(clock.ElapsedMilliseconds < 900, $"the stale answer took {clock.ElapsedMilliseconds} ms: it waited for the upstream");

        // Meanwhile one refresh went upstream; once it is stored, the next request is a hit on the new body.
        await TestWait.UntilAsync(() => upstream.CacheableHits == 2, TimeSpan.FromSeconds(10));
        RawResponse fresh = default!;
        await TestWait.UntilAsync(async () => (fresh = await GetAsync(client, target)).BodyText == "hit 2 ", TimeSpan.FromSeconds(10));
        Assert.Equal("HIT", fresh.Header("X-Cache"));
        Assert.Equal(2, upstream.CacheableHits);
    }

    [Fact]
    public async Task A_background_refresh_revalidates_with_the_stored_etag()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        const string target = "/cacheable?max_age=2&swr=60&etag=%22v1%22";
        Assert.Equal("hit 1 ", (await GetAsync(client, target)).BodyText);

        await Task.Delay(3_100);
        Assert.Equal("STALE", (await GetAsync(client, target)).Header("X-Cache"));
        await TestWait.UntilAsync(() => upstream.CacheableHits == 2, TimeSpan.FromSeconds(10));

        // The upstream answered the refresh's If-None-Match with 304: the stored body ("hit 1") is fresh again.
        RawResponse hit = default!;
        await TestWait.UntilAsync(async () => (hit = await GetAsync(client, target)).Header("X-Cache") == "HIT", TimeSpan.FromSeconds(10));
        Assert.Equal("hit 1 ", hit.BodyText);
        Assert.Equal(2, upstream.CacheableHits);
    }

    [Fact]
    public async Task Vary_keeps_one_entry_per_value_of_the_named_header()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        string[] languages = ["en", "fr", "de"];
        foreach (var language in languages)
        {
            var first = await GetAsync(client, "/cacheable?vary=Accept-Language", $"Accept-Language: {language}\r\n");
            Assert.EndsWith(language, first.BodyText, StringComparison.Ordinal);
        }

        foreach (var language in languages)
        {
            var again = await GetAsync(client, "/cacheable?vary=Accept-Language", $"Accept-Language: {language}\r\n");
            Assert.Equal("HIT", again.Header("X-Cache"));
            Assert.EndsWith(language, again.BodyText, StringComparison.Ordinal);
        }

        Assert.Equal(3, upstream.CacheableHits);
    }

    [Fact]
    public async Task A_hundred_concurrent_misses_send_exactly_one_request_upstream()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        var clients = Enumerable.Range(0, 100).Select(_ => gateway.Connect()).ToArray();
        try
        {
            var responses = await Task.WhenAll(clients.Select(c => GetAsync(c, "/cacheable?delay_ms=300")));
            Assert.All(responses, r => Assert.Equal(200, r.Status));
            Assert.All(responses, r => Assert.Equal("hit 1 ", r.BodyText));
            Assert.Equal(1, upstream.CacheableHits);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task Stale_if_error_serves_the_stored_entry_when_the_upstream_fails()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream, "cache = { ttl = \"60s\", stale_if_error = \"1h\" }"));
        using var client = gateway.Connect();
        Assert.Equal("hit 1 ", (await GetAsync(client, "/cacheable?max_age=1")).BodyText);
        await Task.Delay(1500);

        // Stale now: the gateway asks the upstream, which is down.
        await upstream.DisposeAsync();
        var stale = await GetAsync(client, "/cacheable?max_age=1");
        Assert.Equal(200, stale.Status);
        Assert.Equal("hit 1 ", stale.BodyText);
        Assert.Contains("fwd=stale", stale.Header("Cache-Status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_by_tag_on_the_admin_port_makes_the_next_request_a_miss()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream));
        using var client = gateway.Connect();
        await GetAsync(client, "/cacheable?tag=products");
        await GetAsync(client, "/cacheable?tag=users&x=1");
        using var http = new HttpClient();
        var purge = await http.PostAsync($"{gateway.AdminUrl}/cache/purge?tag=products", null);
        Assert.Equal(System.Net.HttpStatusCode.OK, purge.StatusCode);

        Assert.Equal("MISS", (await GetAsync(client, "/cacheable?tag=products")).Header("X-Cache"));
        Assert.Equal("HIT", (await GetAsync(client, "/cacheable?tag=users&x=1")).Header("X-Cache"));
        Assert.Equal(3, upstream.CacheableHits);
    }

    [Fact]
    public async Task A_small_byte_bound_evicts_instead_of_growing()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream, settings: "[cache]\nmax_bytes = \"64KiB\"\nmax_entry_bytes = \"8KiB\"\n"));
        using var client = gateway.Connect();
        for (var i = 0; i < 400; i++)
        {
            Assert.Equal(200, (await GetAsync(client, $"/cacheable?n={i}")).Status);
        }

        var cache = gateway.Host.Store.Policies.Cache;
        Assert.True(cache.Bytes <= 64 * 1024, $"{cache.Bytes} bytes held");
        Assert.True(cache.Count < 400, $"{cache.Count} entries held");
    }

    [Fact]
    public async Task Requests_with_a_body_and_routes_without_a_cache_table_are_not_cached()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(upstream, cache: ""));
        using var client = gateway.Connect();
        await GetAsync(client, "/cacheable");
        var second = await GetAsync(client, "/cacheable");
        Assert.Equal("hit 2 ", second.BodyText);
        Assert.False(second.Has("X-Cache"));
    }
}
