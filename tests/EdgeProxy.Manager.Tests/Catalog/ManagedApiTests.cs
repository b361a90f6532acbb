using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.Tests.Catalog;

public sealed class ManagedApiTests
{
    private static readonly object Stock = new
    {
        id = "stock",
        title = "Stock API",
        summary = "Warehouse stock levels.",
        owner = "team-commerce",
        tags = new[] { "commerce", "warehouse" },
        versions = new[] { new { version = "v1", state = "published", routes = new[] { "stock-v1" }, changelog = "First." } },
    };

    [Fact]
    public async Task An_api_created_in_the_manager_is_written_validated_and_listed_and_a_refused_one_leaves_nothing()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        var developer = await manager.DeveloperAsync("dev@example.com");

        Assert.Equal(HttpStatusCode.Forbidden, (await developer.PostAsJsonAsync("/api/team/apis", Stock)).StatusCode);
        var refused = await admin.PostAsJsonAsync("/api/team/apis", new
        {
            id = "ghost", title = "Ghost", owner = "team-x",
            versions = new[] { new { version = "v1", state = "published", routes = new[] { "no-such-route" } } },
        });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("manager-apis.toml:", problem, StringComparison.Ordinal);
        Assert.Contains("no-such-route", problem, StringComparison.Ordinal);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/team/apis")).EnumerateArray());

        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/team/apis", Stock)).StatusCode);
        var loaded = ConfigLoader.Load(policy.Directory);
        Assert.Empty(loaded.Errors);
        var api = Assert.Single(loaded.Config!.Apis, a => a.Id == "stock");
        Assert.Equal(ApiVersionState.Published, Assert.Single(api.Versions).State);
        var found = await admin.GetFromJsonAsync<JsonElement>("/api/catalog?q=warehouse");
        Assert.Equal("stock", Assert.Single(found.EnumerateArray()).GetProperty("id").GetString());

        var backwards = await admin.PutAsJsonAsync("/api/team/apis/stock/versions/v1/state", new { state = "draft" });
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/team/apis/orders/versions/v1/state", new { state = "retired" })).StatusCode);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?entity=api");
        Assert.Equal("api.create", Assert.Single(audit.EnumerateArray()).GetProperty("action").GetString());
    }

    [Fact]
    public async Task Lifecycle_transitions_from_the_manager_reach_the_gateway_deprecation_headers_then_410()
    {
        await using var upstream = await TestUpstream.StartAsync();
        using var policy = new PolicyFixture(upstream.Url);
        await using var gateway = await InProcessGateway.StartAsync(policy.Directory);
        await using var manager = await TestManager.StartAsync(policy.Directory, gateway.BaseUrl, gatewayAdminUrl: gateway.AdminUrl);
        using var caller = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var admin = await manager.AdminAsync();
        (await admin.PostAsJsonAsync("/api/team/apis", Stock)).EnsureSuccessStatusCode();
        var developer = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(developer, "App");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(developer, appId, "stock", "free");
        var (_, key) = await AppsApi.CreateKeyAsync(developer, subscriptionId);

        var ok = await WaitForAsync(caller, key, r => r.StatusCode == HttpStatusCode.OK);
        Assert.False(ok.Headers.Contains("Deprecation"));

        var sunset = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        (await admin.PutAsJsonAsync("/api/team/apis/stock/versions/v1/state", new { state = "deprecated", sunset })).EnsureSuccessStatusCode();
        var deprecated = await WaitForAsync(caller, key, r => r.Headers.Contains("Deprecation"));
        Assert.Equal(HttpStatusCode.OK, deprecated.StatusCode);
        Assert.Contains("2030", string.Join(",", deprecated.Headers.GetValues("Sunset")), StringComparison.Ordinal);

        (await admin.PutAsJsonAsync("/api/team/apis/stock/versions/v1/state", new { state = "retired" })).EnsureSuccessStatusCode();
        var gone = await WaitForAsync(caller, key, r => r.StatusCode == HttpStatusCode.Gone);
        Assert.Contains("\"stock\"", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_team_page_creates_an_api_as_draft_and_publishes_it_with_forms()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();

        var created = await TestManager.PostFormAsync(admin, "/team", new()
        {
            ["NewId"] = "stock", ["NewTitle"] = "Stock API", ["NewSummary"] = "Warehouse stock levels.", ["NewOwner"] = "team-commerce",
            ["NewTags"] = "commerce, warehouse", ["NewVersion"] = "v1", ["NewRoutes"] = "stock-v1",
        }, handler: "Create");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Contains("badge-draft", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/catalog?q=warehouse")).EnumerateArray()); // drafts are not listed

        var published = await TestManager.PostFormAsync(admin, "/team", new() { ["ApiId"] = "stock", ["Version"] = "v1", ["State"] = "published" }, handler: "Transition");
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("stock", Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/api/catalog?q=warehouse")).EnumerateArray()).GetProperty("id").GetString());

        var deprecated = await TestManager.PostFormAsync(admin, "/team", new() { ["ApiId"] = "stock", ["Version"] = "v1", ["State"] = "deprecated", ["Sunset"] = "2031-03-01" }, handler: "Transition");
        Assert.Contains("sunset 2031-03-01", await deprecated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var version = Assert.Single(Assert.Single(ConfigLoader.Load(policy.Directory).Config!.Apis, a => a.Id == "stock").Versions);
        Assert.Equal(ApiVersionState.Deprecated, version.State);
        Assert.Equal(new DateTimeOffset(2031, 3, 1, 0, 0, 0, TimeSpan.Zero), version.Sunset);
        Assert.NotNull(version.DeprecatedAt);
    }

    // Each change must reach the gateway within 2 s; polls every 20 ms.
    private static async Task<HttpResponseMessage> WaitForAsync(HttpClient caller, string key, Func<HttpResponseMessage, bool> done)
    {
        var clock = Stopwatch.StartNew();
        HttpResponseMessage? last = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/stock/items");
            request.Headers.Add("X-Api-Key", key);
            last = await caller.SendAsync(request);
            if (done(last))
            {
                return last;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"not reached within 2 s; last answer {(int?)last?.StatusCode}");
        return last!;
    }
}
