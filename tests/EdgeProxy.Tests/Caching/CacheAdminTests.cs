using System.Net;
using System.Text.Json;
using EdgeProxy.Caching;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Caching;

/// <summary>
/// The real gateway process: the cache lives in its long-lived runtime, purges go through the admin port over a real
/// socket, and a reload keeps the cache except for routes whose cache settings changed. (Entries are stored through
/// the exchange API directly until the request loop calls it.)
/// </summary>
public sealed class CacheAdminTests : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private TestGateway _gateway = null!;

    private static string Routes(string usersTtl) => $$"""
        [[routes]]
        id = "users"
        cluster = "backend"
        path_prefix = "/users"
        cache = { ttl = "{{usersTtl}}", tag_header = "Surrogate-Key", ignore_query = ["utm"] }

        [[routes]]
        id = "orders"
        cluster = "backend"
        path_prefix = "/orders"
        cache = { ttl = "60s" }
        """;

    public async Task InitializeAsync()
    {
        _gateway = await TestGateway.StartAsync(
            TestGateway.MainToml(TestGateway.Cluster("backend", "http://127.0.0.1:9") + "[cache]\nmax_bytes = \"32MiB\"\n"),
            watch: false,
            ("routes/all.toml", Routes("60s")));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    private ResponseCache Cache => _gateway.Host.Store.Policies.Cache;

    private void Store(string target, string tags = "")
    {
        var snapshot = _gateway.Host.Store.Current;
        var (head, request) = CacheTestMessages.Request(target);
        Span<Range> captures = stackalloc Range[16];
        var route = snapshot.Routes.Match(head, request, captures)!;
        var h = new CacheHarness { Policy = route.Cache! };
        var exchange = new CacheExchange(Cache);
        var pipe = new System.IO.Pipelines.Pipe();
        Assert.Equal(CacheOutcome.Miss, exchange.TryServe(pipe.Writer, head, request, route.Cache!, h.Context(), h.Now));
        h.Fetch(exchange, "Cache-Control: max-age=600" + (tags.Length > 0 ? "\r\nSurrogate-Key: " + tags : ""), "body of " + target, target);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PurgeAsync(string query)
    {
        var response = await _http.PostAsync($"{_gateway.AdminUrl}/cache/purge?{query}", null);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }

    [Fact]
    public void The_config_sizes_the_cache()
    {
        Assert.Equal(32L * 1024 * 1024, Cache.MaxBytes);
    }

    [Fact]
    public async Task Purge_by_url_tag_prefix_route_and_all_over_the_admin_port()
    {
        Store("/users/1?b=2&a=1", "user-1 users");
        Store("/users/2", "user-2 users");
        Store("/users/3", "user-3 users");
        Store("/orders/1");
        Store("/orders/2");
        Assert.Equal(5, Cache.Count);

        var url = await PurgeAsync("url=" + Uri.EscapeDataString("http://example.com/users/1?a=1&utm=x&b=2"));
        Assert.Equal((HttpStatusCode.OK, 1), (url.Status, url.Body.GetProperty("purged").GetInt32()));

        Assert.Equal(1, (await PurgeAsync("tag=user-2")).Body.GetProperty("purged").GetInt32());
        Assert.Equal(1, (await PurgeAsync("tag=users")).Body.GetProperty("purged").GetInt32());
        Assert.Equal(1, (await PurgeAsync("prefix=/orders/1&host=example.com")).Body.GetProperty("purged").GetInt32());
        Assert.Equal(1, (await PurgeAsync("route=orders")).Body.GetProperty("purged").GetInt32());
        Assert.Equal(0, Cache.Count);

        Store("/orders/3");
        Assert.Equal(1, (await PurgeAsync("all=true")).Body.GetProperty("purged").GetInt32());
    }

    [Theory]
    [InlineData("")]
    [InlineData("tag=a&route=b")]
    [InlineData("url=not-a-url")]
    [InlineData("prefix=users")]
    public async Task Bad_purge_requests_are_refused_with_the_reason(string query)
    {
        var (status, body) = await PurgeAsync(query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task A_reload_keeps_the_cache_except_routes_whose_cache_settings_changed()
    {
        Store("/users/1");
        Store("/orders/1");

        // Unrelated change: nothing is purged.
        await _gateway.WriteFileAsync("routes/all.toml", Routes("60s") + "\n# touched\n");
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync(_gateway.AdminUrl + "/reload", null)).StatusCode);
        Assert.Equal(2, Cache.Count);

        await _gateway.WriteFileAsync("routes/all.toml", Routes("30s"));
        Assert.Equal(HttpStatusCode.OK, (await _http.PostAsync(_gateway.AdminUrl + "/reload", null)).StatusCode);
        Assert.Equal(1, Cache.Count);
        Assert.Equal(0, Cache.PurgeRoute("users"));
        Assert.Equal(1, Cache.PurgeRoute("orders"));
    }
}
