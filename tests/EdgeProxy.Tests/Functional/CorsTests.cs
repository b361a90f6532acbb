using EdgeProxy.Policy.Keys;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>
/// The gateway's CORS policy over real sockets: preflights answered by the gateway (no key, no upstream, no tokens),
/// allow lines on forwarded, cached and refused responses, nothing for other origins, and hot reload of the origins.
/// </summary>
public sealed class CorsTests
{
    private const string Portal = "http://127.0.0.1:9900";
    private static readonly GeneratedApiKey Alice = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "alice-1");

    private static string Routes(string origins = $"\"{Portal}\"", string extra = "") => $$"""
        [[routes]]
        id = "orders"
        cluster = "app"
        path_prefix = "/"
        methods = ["GET", "POST", "DELETE"]
        auth = "api_key"
        rate_limits = [{ name = "per-ip", scope = "route_ip", rate = "2/h", burst = 2 }]
        cors = { origins = [{{origins}}], methods = ["GET", "POST"], headers = ["X-Api-Key", "Content-Type"], expose_headers = ["RateLimit", "RateLimit-Policy", "X-Request-Id"], max_age = "10m" }
        {{extra}}

        [[routes]]
        id = "cached"
        cluster = "app"
        path = "/cacheable"
        cache = { ttl = "60s" }
        cors = { origins = ["https://a.example", "https://b.example"] }

        [[routes]]
        id = "plain"
        cluster = "app"
        path = "/headers"
        """;

    private const string Consumers = """
        [[consumers]]
        id = "alice"
        keys = [{ id = "alice-1", key_sha256 = "KEY" }]
        """;

    private static async Task<TestGateway> StartAsync(TestUpstream upstream, string routes, string settings = "") =>
        await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url) + settings), ("routes.toml", routes),
            ("consumers.toml", Consumers.Replace("KEY", Alice.Sha256, StringComparison.Ordinal)));

    private static async Task<RawResponse> PreflightAsync(RawClient client, string path, string origin, string method = "POST", string? headers = "x-api-key,content-type")
    {
        var requestHeaders = headers is null ? "" : $"Access-Control-Request-Headers: {headers}\r\n";
        await client.SendAsync($"OPTIONS {path} HTTP/1.1\r\nHost: api\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: {method}\r\n{requestHeaders}\r\n");
        return await client.ReadResponseAsync();
    }

    private static async Task<RawResponse> GetAsync(RawClient client, string path, string? origin, string? key = null)
    {
        var originHeader = origin is null ? "" : $"Origin: {origin}\r\n";
        var keyHeader = key is null ? "" : $"X-Api-Key: {key}\r\n";
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: api\r\n{originHeader}{keyHeader}\r\n");
        return await client.ReadResponseAsync();
    }

    private static void AssertNoAllowLines(RawResponse response)
    {
        foreach (var name in new[] { "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers", "Access-Control-Max-Age" })
        {
            Assert.False(response.Has(name), $"unexpected {name}: {response.Header(name)}");
        }
    }

    [Fact]
    public async Task An_allowed_preflight_is_answered_by_the_gateway_without_a_key_the_upstream_or_a_token()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        // More preflights than the route's limit allows requests: none of them takes a token.
        for (var i = 0; i < 4; i++)
        {
            var preflight = await PreflightAsync(client, "/orders/7", Portal);
            Assert.Equal(204, preflight.Status);
            Assert.Equal(Portal, preflight.Header("Access-Control-Allow-Origin"));
            Assert.Equal("GET, POST", preflight.Header("Access-Control-Allow-Methods"));
            Assert.Equal("X-Api-Key, Content-Type", preflight.Header("Access-Control-Allow-Headers"));
            Assert.Equal("600", preflight.Header("Access-Control-Max-Age"));
            Assert.Contains("Origin", preflight.Header("Vary"), StringComparison.Ordinal);
            Assert.False(preflight.Has("Access-Control-Allow-Credentials"));
            Assert.False(preflight.Has("Content-Length"));
            Assert.Empty(preflight.Body);
            Assert.False(preflight.Has("RateLimit"));
        }

        Assert.Equal(0, upstream.Requests);

        // The limit of 2 is untouched by the preflights; the third real request is refused, and the browser can read why.
        Assert.Equal(200, (await GetAsync(client, "/hello?1", Portal, Alice.Key)).Status);
        Assert.Equal(200, (await GetAsync(client, "/hello?2", Portal, Alice.Key)).Status);
        var limited = await GetAsync(client, "/hello?3", Portal, Alice.Key);
        Assert.Equal(429, limited.Status);
        Assert.Equal(Portal, limited.Header("Access-Control-Allow-Origin"));
        Assert.Equal("RateLimit, RateLimit-Policy, X-Request-Id", limited.Header("Access-Control-Expose-Headers"));
        Assert.Equal(2, upstream.Requests);
    }

    [Theory]
    [InlineData("https://evil.example", "POST", "x-api-key")]
    [InlineData("http://127.0.0.1:9900/", "POST", "x-api-key")] // not the serialized origin: exact match only
    [InlineData("http://127.0.0.1:9901", "POST", "x-api-key")]
    [InlineData("HTTP://127.0.0.1:9900", "POST", "x-api-key")]
    [InlineData(Portal, "DELETE", "x-api-key")]
    [InlineData(Portal, "POST", "x-api-key, x-debug")]
    [InlineData(Portal, "POST", "authorization")]
    public async Task A_preflight_outside_the_policy_gets_204_without_allow_lines_and_never_reaches_the_upstream(string origin, string method, string headers)
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        var preflight = await PreflightAsync(client, "/orders", origin, method, headers);
        Assert.Equal(204, preflight.Status);
        AssertNoAllowLines(preflight);
        Assert.Equal("Origin, Access-Control-Request-Method, Access-Control-Request-Headers", preflight.Header("Vary"));
        Assert.Equal(0, upstream.Requests);

        // Same connection, still usable, and the policy does allow the portal.
        var allowed = await PreflightAsync(client, "/orders", Portal, "GET", null);
        Assert.Equal(Portal, allowed.Header("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_preflight_for_a_method_no_route_serves_finds_no_route()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        // Route matching takes the method the preflight asks for; PUT is on no route, so the answer is the gateway's 404.
        var preflight = await PreflightAsync(client, "/orders", Portal, "PUT");
        Assert.Equal(404, preflight.Status);
        AssertNoAllowLines(preflight);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task An_actual_request_from_an_allowed_origin_carries_the_allow_lines_and_others_get_none()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        var allowed = await GetAsync(client, "/hello", Portal, Alice.Key);
        Assert.Equal(200, allowed.Status);
        Assert.Equal("Hello, world!", allowed.BodyText);
        Assert.Equal(Portal, allowed.Header("Access-Control-Allow-Origin"));
        Assert.Equal("RateLimit, RateLimit-Policy, X-Request-Id", allowed.Header("Access-Control-Expose-Headers"));
        Assert.Equal("Origin", allowed.Header("Vary"));
        Assert.False(allowed.Has("Access-Control-Allow-Credentials"));
        Assert.False(allowed.Has("Access-Control-Allow-Methods"));

        var other = await GetAsync(client, "/hello", "https://evil.example", Alice.Key);
        Assert.Equal(200, other.Status);
        AssertNoAllowLines(other);
        Assert.Equal("Origin", other.Header("Vary"));

        var sameOrigin = await GetAsync(client, "/hello", null, Alice.Key);
        AssertNoAllowLines(sameOrigin);
    }

    [Fact]
    public async Task The_gateways_policy_replaces_the_upstreams_own_cors_lines()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        var other = await GetAsync(client, "/own-cors", "https://evil.example", Alice.Key);
        Assert.Equal("own cors", other.BodyText);
        AssertNoAllowLines(other);

        var allowed = await GetAsync(client, "/own-cors", Portal, Alice.Key);
        Assert.Equal([Portal], allowed.HeaderValues("Access-Control-Allow-Origin"));
        Assert.False(allowed.Has("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Refusals_of_the_access_step_carry_the_allow_lines_so_a_page_can_read_them()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        var missing = await GetAsync(client, "/orders", Portal);
        Assert.Equal(401, missing.Status);
        Assert.Equal(Portal, missing.Header("Access-Control-Allow-Origin"));
        Assert.Equal("Origin", missing.Header("Vary"));
        Assert.Contains("X-Request-Id", missing.Header("Access-Control-Expose-Headers"), StringComparison.Ordinal);

        var wrong = await GetAsync(client, "/orders", Portal, ApiKeyGenerator.Create(DateTimeOffset.UtcNow).Key);
        Assert.Equal(401, wrong.Status);
        Assert.Equal(Portal, wrong.Header("Access-Control-Allow-Origin"));

        var foreign = await GetAsync(client, "/orders", "https://evil.example");
        Assert.Equal(401, foreign.Status);
        AssertNoAllowLines(foreign);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task A_retired_versions_410_carries_the_allow_lines_and_its_preflight_is_answered()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var routes = Routes() + """

            [[routes]]
            id = "old"
            cluster = "app"
            path_prefix = "/v0"

            [[apis]]
            id = "orders"
            title = "Orders API"

            [[apis.versions]]
            version = "v0"
            state = "retired"
            routes = ["old"]
            """;
        await using var gateway = await StartAsync(upstream, routes, $"\n[cors]\norigins = [\"{Portal}\"]\n");
        using var client = gateway.Connect();

        var preflight = await PreflightAsync(client, "/v0/orders", Portal, "GET", null);
        Assert.Equal(204, preflight.Status);
        Assert.Equal(Portal, preflight.Header("Access-Control-Allow-Origin"));
        var gone = await GetAsync(client, "/v0/orders", Portal);
        Assert.Equal(410, gone.Status);
        Assert.Equal(Portal, gone.Header("Access-Control-Allow-Origin"));
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task A_draft_versions_preflight_is_404_like_the_route_is_absent_while_testers_still_reach_it()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var tester = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "tess-1");
        var routes = Routes() + """

            [[routes]]
            id = "next"
            cluster = "app"
            path_prefix = "/v3"
            auth = "api_key"

            [[apis]]
            id = "orders"
            title = "Orders API"

            [[apis.versions]]
            version = "v3"
            state = "draft"
            routes = ["next"]
            """;
        var consumers = Consumers.Replace("KEY", Alice.Sha256, StringComparison.Ordinal) + $$"""

            [[consumers]]
            id = "tess"
            tags = ["tester"]
            keys = [{ id = "tess-1", key_sha256 = "{{tester.Sha256}}" }]
            """;
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url) + $"\n[cors]\norigins = [\"{Portal}\"]\n"),
            ("routes.toml", routes), ("consumers.toml", consumers));
        using var client = gateway.Connect();

        // A preflight carries no key: nobody can be known to be a tester, so the draft does not exist for it.
        var preflight = await PreflightAsync(client, "/v3/orders", Portal, "GET", "x-api-key");
        Assert.Equal(404, preflight.Status);
        AssertNoAllowLines(preflight);

        var stranger = await GetAsync(client, "/v3/orders", Portal, Alice.Key);
        Assert.Equal(404, stranger.Status);
        AssertNoAllowLines(stranger);

        // The same connection stays usable, and a tester's real request goes through with the allow lines.
        var tested = await GetAsync(client, "/v3/orders", Portal, tester.Key);
        Assert.Equal(200, tested.Status);
        Assert.Equal(Portal, tested.Header("Access-Control-Allow-Origin"));
        Assert.Equal(1, upstream.Requests);

        // A published route under the same [cors] still has its preflight answered.
        Assert.Equal(204, (await PreflightAsync(client, "/orders", Portal, "GET", null)).Status);
    }

    [Fact]
    public async Task A_cached_answer_carries_the_lines_of_the_origin_asking_now()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        var first = await GetAsync(client, "/cacheable", "https://a.example");
        Assert.Equal("https://a.example", first.Header("Access-Control-Allow-Origin"));
        var hit = await GetAsync(client, "/cacheable", "https://b.example");
        Assert.Equal("HIT", hit.Header("X-Cache"));
        Assert.Equal(first.BodyText, hit.BodyText);
        Assert.Equal(["https://b.example"], hit.HeaderValues("Access-Control-Allow-Origin"));
        Assert.Contains("Origin", hit.HeaderValues("Vary"));
        var foreign = await GetAsync(client, "/cacheable", "https://evil.example");
        Assert.Equal("HIT", foreign.Header("X-Cache"));
        AssertNoAllowLines(foreign);
        Assert.Equal(1, upstream.CacheableHits);
    }

    [Fact]
    public async Task Routes_without_a_policy_forward_options_and_add_nothing()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());
        using var client = gateway.Connect();

        var preflight = await PreflightAsync(client, "/headers", Portal);
        Assert.Equal(1, upstream.Requests);
        AssertNoAllowLines(preflight);
        var get = await GetAsync(client, "/headers", Portal);
        Assert.Equal(200, get.Status);
        AssertNoAllowLines(get);
        Assert.False(get.Has("Vary"));
    }

    [Fact]
    public async Task Defaults_with_a_wildcard_and_credentials_on_a_route_write_what_fetch_expects()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var routes = """
            [[routes]]
            id = "open"
            cluster = "app"
            path = "/hello"

            [[routes]]
            id = "session"
            cluster = "app"
            path = "/status"
            cors = { origins = ["https://app.example"], credentials = true, methods = ["GET"], headers = ["Content-Type"], max_age = "10m" }
            """;
        await using var gateway = await StartAsync(upstream, routes, "\n[cors]\norigins = [\"*\"]\nmethods = [\"*\"]\nheaders = [\"*\"]\nmax_age = \"0s\"\n");
        using var client = gateway.Connect();

        var open = await PreflightAsync(client, "/hello", "https://anyone.example", "PATCH", "x-custom");
        Assert.Equal("*", open.Header("Access-Control-Allow-Origin"));
        Assert.Equal("*", open.Header("Access-Control-Allow-Methods"));
        Assert.Equal("*", open.Header("Access-Control-Allow-Headers"));
        Assert.False(open.Has("Access-Control-Max-Age"));
        var get = await GetAsync(client, "/hello", "https://anyone.example");
        Assert.Equal("*", get.Header("Access-Control-Allow-Origin"));

        // Fetch: "*" never covers Authorization.
        AssertNoAllowLines(await PreflightAsync(client, "/hello", "https://anyone.example", "GET", "authorization"));

        var session = await PreflightAsync(client, "/status?code=204", "https://app.example", "GET", "content-type");
        Assert.Equal("https://app.example", session.Header("Access-Control-Allow-Origin"));
        Assert.Equal("true", session.Header("Access-Control-Allow-Credentials"));
        Assert.Equal("GET", session.Header("Access-Control-Allow-Methods"));
        Assert.Equal("600", session.Header("Access-Control-Max-Age"));
        Assert.Equal(1, upstream.Requests); // the one GET; no preflight went upstream
    }

    [Fact]
    public async Task A_reload_changes_the_allowed_origins()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes());

        await gateway.WriteFileAsync("routes.toml", Routes("\"https://new.example\""));
        await TestWait.UntilAsync(async () =>
        {
            using var client = gateway.Connect();
            return (await PreflightAsync(client, "/orders", "https://new.example")).Has("Access-Control-Allow-Origin");
        }, TimeSpan.FromSeconds(10));

        using var after = gateway.Connect();
        AssertNoAllowLines(await PreflightAsync(after, "/orders", Portal));
        var get = await GetAsync(after, "/orders", "https://new.example");
        Assert.Equal(401, get.Status);
        Assert.Equal("https://new.example", get.Header("Access-Control-Allow-Origin"));
        Assert.Equal(0, upstream.Requests);
    }
}
