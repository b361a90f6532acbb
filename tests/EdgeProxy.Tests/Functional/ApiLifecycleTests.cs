using System.Text.Json;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>
/// API versions' lifecycle on the request path, over real sockets against a real upstream: drafts for testers only,
/// deprecation headers on forwarded and cached responses, retired versions answering 410 by themselves, consumers
/// limited to the APIs they were granted, and a state flipped in a file taking effect on reload.
/// </summary>
public sealed class ApiLifecycleTests
{
    private static readonly GeneratedApiKey Alice = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "alice-1");
    private static readonly GeneratedApiKey Tess = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "tess-1");
    private static readonly GeneratedApiKey Shop = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "shop-1");

    private static readonly DateTimeOffset DeprecatedAt = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Route(string id, string prefix, bool key = true, string extra = "") => $$"""
        [[routes]]
        id = "{{id}}"
        cluster = "app"
        path_prefix = "{{prefix}}"
        rewrite = { strip_prefix = "{{prefix}}" }
        {{(key ? "auth = \"api_key\"" : "")}}
        {{extra}}

        """;

    private static readonly string Routes =
        Route("orders-v0", "/v0/orders")
        + Route("orders-v1", "/v1/orders", extra: "cache = { ttl = \"60s\" }")
        + Route("orders-v2", "/v2/orders")
        + Route("orders-v3", "/v3/orders")
        + Route("orders-beta", "/beta/orders", key: false)
        + Route("billing", "/billing")
        + Route("open", "/open");

    private static string Apis(string v2State = "published") => $$"""
        [[apis]]
        id = "orders"
        title = "Orders API"

        [[apis.versions]]
        version = "v0"
        state = "retired"
        routes = ["orders-v0"]
        successor = "v2"

        [[apis.versions]]
        version = "v1"
        state = "deprecated"
        routes = ["orders-v1"]
        deprecated_at = 2026-06-01T00:00:00Z
        sunset = 2027-01-01T00:00:00Z
        successor = "v2"

        [[apis.versions]]
        version = "v2"
        state = "{{v2State}}"
        routes = ["orders-v2"]

        [[apis.versions]]
        version = "v3"
        state = "draft"
        routes = ["orders-v3", "orders-beta"]

        [[apis]]
        id = "billing"
        title = "Billing API"

        [[apis.versions]]
        version = "v1"
        state = "published"
        routes = ["billing"]
        """;

    /// <summary>alice: every API; tess: tagged tester; shop: granted only the billing API.</summary>
    private static readonly string Consumers = $$"""
        [[consumers]]
        id = "alice"
        keys = [{ key_sha256 = "{{Alice.Sha256}}" }]

        [[consumers]]
        id = "tess"
        tags = ["tester"]
        keys = [{ key_sha256 = "{{Tess.Sha256}}" }]

        [[consumers]]
        id = "shop"
        apis = ["billing"]
        keys = [{ key_sha256 = "{{Shop.Sha256}}" }]
        """;

    private static async Task<TestGateway> StartAsync(TestUpstream upstream, string apis) =>
        await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url)),
            ("routes.toml", Routes), ("apis.toml", apis), ("consumers.toml", Consumers));

    private static async Task<RawResponse> GetAsync(RawClient client, string target, string? key = null)
    {
        var keyHeader = key is null ? "" : $"X-Api-Key: {key}\r\n";
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: api\r\n{keyHeader}\r\n");
        return await client.ReadResponseAsync();
    }

    private static string Error(RawResponse response)
    {
        Assert.Equal("application/json", response.Header("Content-Type"));
        using var body = JsonDocument.Parse(response.Body);
        return body.RootElement.GetProperty("error").GetString()!;
    }

    [Fact]
    public async Task Deprecated_version_responses_carry_deprecation_sunset_and_successor_link_also_from_the_cache()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Apis());
        using var client = gateway.Connect();

        var fresh = await GetAsync(client, "/v1/orders/cacheable", Alice.Key);
        var cached = await GetAsync(client, "/v1/orders/cacheable", Alice.Key);
        foreach (var response in new[] { fresh, cached })
        {
            Assert.Equal(200, response.Status);
            Assert.Equal("hit 1 ", response.BodyText);
            Assert.Equal([$"@{DeprecatedAt.ToUnixTimeSeconds()}"], response.HeaderValues("Deprecation"));
            Assert.Equal(["Fri, 01 Jan 2027 00:00:00 GMT"], response.HeaderValues("Sunset"));
            Assert.Equal(["</v2/orders>; rel=\"successor-version\""], response.HeaderValues("Link"));
        }

        Assert.Equal("HIT", cached.Header("X-Cache"));
        Assert.Equal(1, upstream.CacheableHits);

        var current = await GetAsync(client, "/v2/orders/hello", Alice.Key);
        Assert.Equal(200, current.Status);
        Assert.Equal("Hello, world!", current.BodyText);
        Assert.False(current.Has("Deprecation") || current.Has("Sunset") || current.Has("Link"));
    }

    [Fact]
    public async Task Retired_version_answers_410_with_its_successor_without_the_upstream_and_keeps_the_connection()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Apis());
        using var client = gateway.Connect();

        foreach (var key in new[] { Alice.Key, null })
        {
            var gone = await GetAsync(client, "/v0/orders/hello", key);
            Assert.Equal(410, gone.Status);
            Assert.Equal("HTTP/1.1 410 Gone", gone.StatusLine);
            Assert.Equal("application/json", gone.Header("Content-Type"));
            Assert.Equal("""{"error":"gone","api":"orders","version":"v0","successor":"v2"}""", gone.BodyText);
            Assert.Equal("</v2/orders>; rel=\"successor-version\"", gone.Header("Link"));
            Assert.NotNull(gone.Header("X-Request-Id"));
        }

        Assert.Equal(0, upstream.Requests);
        var head = await HeadAsync(client, "/v0/orders/hello");
        Assert.Equal(410, head.Status);
        Assert.Empty(head.Body);

        var next = await GetAsync(client, "/v2/orders/hello", Alice.Key);
        Assert.Equal(200, next.Status);
        Assert.Equal(1, upstream.Requests);
    }

    private static async Task<RawResponse> HeadAsync(RawClient client, string target)
    {
        await client.SendAsync($"HEAD {target} HTTP/1.1\r\nHost: api\r\n\r\n");
        return await client.ReadResponseAsync(headRequest: true);
    }

    [Fact]
    public async Task Draft_version_is_404_to_everyone_but_testers_and_without_a_key_requirement_to_everyone()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Apis());
        using var client = gateway.Connect();

        foreach (var key in new[] { null, Alice.Key, "not-a-key" })
        {
            var hidden = await GetAsync(client, "/v3/orders/hello", key);
            Assert.Equal(404, hidden.Status);
            Assert.Equal("no route matches the request", Error(hidden));
            Assert.False(hidden.Has("WWW-Authenticate"));
        }

        var tester = await GetAsync(client, "/v3/orders/hello", Tess.Key);
        Assert.Equal(200, tester.Status);
        Assert.Equal("Hello, world!", tester.BodyText);

        // No key requirement: no caller can be known to be a tester, so the draft is absent for all.
        foreach (var key in new[] { null, Tess.Key })
        {
            var open = await GetAsync(client, "/beta/orders/hello", key);
            Assert.Equal(404, open.Status);
            Assert.Equal("no route matches the request", Error(open));
        }

        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Consumer_granted_some_apis_gets_403_on_others_and_routes_of_no_api_stay_open()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Apis());
        using var client = gateway.Connect();

        var refused = await GetAsync(client, "/v2/orders/hello", Shop.Key);
        Assert.Equal(403, refused.Status);
        Assert.Equal("this consumer may not call this API", Error(refused));
        Assert.Equal(0, upstream.Requests);

        Assert.Equal(200, (await GetAsync(client, "/billing/hello", Shop.Key)).Status);
        Assert.Equal(200, (await GetAsync(client, "/open/hello", Shop.Key)).Status);
        Assert.Equal(200, (await GetAsync(client, "/v2/orders/hello", Alice.Key)).Status);
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task Flipping_a_version_to_retired_in_its_file_answers_410_after_the_reload()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Apis());
        using (var client = gateway.Connect())
        {
            Assert.Equal(200, (await GetAsync(client, "/v2/orders/hello", Alice.Key)).Status);
        }

        await gateway.WriteFileAsync("apis.toml", Apis(v2State: "retired"));
        RawResponse? last = null;
        await ProxyForwardingTests.WaitForAsync(async () =>
        {
            using var probe = gateway.Connect();
            last = await GetAsync(probe, "/v2/orders/hello", Alice.Key);
            return last.Status == 410;
        }, seconds: 5);

        Assert.Equal("""{"error":"gone","api":"orders","version":"v2"}""", last!.BodyText);
        Assert.False(last.Has("Link"));

        // Probes before the reload landed reached the upstream; from now on nothing does.
        var forwarded = upstream.Requests;
        using var after = gateway.Connect();
        Assert.Equal(410, (await GetAsync(after, "/v2/orders/hello", Alice.Key)).Status);
        Assert.Equal(forwarded, upstream.Requests);
    }
}
