using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.Tests.Admin;

public sealed class PlanEditTests
{
    [Fact]
    public async Task An_admin_creates_and_edits_a_plan_and_subscriptions_follow_its_approval_setting()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        var developer = await manager.DeveloperAsync("dev@example.com");

        var gold = new { title = "Gold", description = "For production.", approval = true, rate = "100/s", burst = 200, dayQuota = 50000, monthly = "99", perCall = "0.0001", overage = "0.0002", currency = "EUR" };
        Assert.Equal(HttpStatusCode.Forbidden, (await developer.PutAsJsonAsync("/api/admin/plans/gold", gold)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/admin/plans/gold", gold)).StatusCode);

        var loaded = ConfigLoader.Load(policy.Directory);
        Assert.Empty(loaded.Errors);
        var plan = Assert.Single(loaded.Config!.Plans, p => p.Id == "gold");
        Assert.True(plan.Approval);
        Assert.Equal(0.0001m, plan.Price!.PerCall);
        Assert.Equal(99m, plan.Price.Monthly);
        Assert.Equal("EUR", plan.Price.Currency);
        Assert.Equal(100, Assert.Single(plan.RateLimits).Tokens);
        Assert.Equal(50000, Assert.Single(plan.Quotas).Limit);

        var appId = await AppsApi.CreateAppAsync(developer, "App");
        Assert.Equal("pending", (await AppsApi.SubscribeAsync(developer, appId, "orders", "gold")).State);

        // Edit through the admin page's form: approval off.
        var page = await admin.GetStringAsync("/admin/plans?edit=gold");
        Assert.Contains("Edit plan gold", page, StringComparison.Ordinal);
        var saved = await TestManager.PostFormAsync(admin, "/admin/plans?edit=gold", new()
        {
            ["Id"] = "gold", ["Title"] = "Gold", ["Description"] = "For production.", ["Rate"] = "100/s", ["Burst"] = "200",
            ["DayQuota"] = "50000", ["Monthly"] = "99", ["PerCall"] = "0.0001", ["Overage"] = "0.0002", ["Currency"] = "EUR",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.False(Assert.Single(ConfigLoader.Load(policy.Directory).Config!.Plans, p => p.Id == "gold").Approval);
        Assert.Equal("active", (await AppsApi.SubscribeAsync(developer, appId, "billing", "gold")).State);

        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?entity=plan");
        Assert.Equal(["plan.edit", "plan.create"], audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray());
    }

    [Fact]
    public async Task Plans_the_gateway_would_refuse_are_not_saved()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();

        var duplicate = await admin.PutAsJsonAsync("/api/admin/plans/free", new { title = "Free again" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains("manager-plans.toml:", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badRate = await admin.PutAsJsonAsync("/api/admin/plans/fast", new { title = "Fast", rate = "very fast" });
        Assert.Equal(HttpStatusCode.Conflict, badRate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/admin/plans/cheap", new { title = "Cheap", monthly = "free" })).StatusCode);

        Assert.DoesNotContain("[[plans]]", await File.ReadAllTextAsync(Path.Combine(policy.Directory, "manager-plans.toml")), StringComparison.Ordinal);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?entity=plan")).EnumerateArray());
    }
}
