using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Admin;

public sealed class PublisherTests
{
    [Fact]
    public async Task A_publisher_decides_and_sees_reports_only_for_the_apis_their_team_owns()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        var developer = await manager.DeveloperAsync("dev@example.com");
        await manager.DeveloperAsync("pub@example.com", "publisher password");
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/admin/users");
        var pubId = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "pub@example.com").GetProperty("id").GetInt64();
        (await admin.PutAsJsonAsync($"/api/admin/users/{pubId}/role", new { role = "publisher" })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"/api/admin/users/{pubId}/team", new { team = "team-commerce" })).EnsureSuccessStatusCode();
        var publisher = manager.Client();
        (await publisher.PostAsJsonAsync("/api/session", new { email = "pub@example.com", password = "publisher password" })).EnsureSuccessStatusCode();

        var appId = await AppsApi.CreateAppAsync(developer, "App");
        var (orders, _) = await AppsApi.SubscribeAsync(developer, appId, "orders", "pro");
        var (billing, _) = await AppsApi.SubscribeAsync(developer, appId, "billing", "pro");
        (await developer.PostAsJsonAsync("/api/apis/orders/reports", new { subject = "Orders slow", body = "p99 5 s" })).EnsureSuccessStatusCode();
        (await developer.PostAsJsonAsync("/api/apis/billing/reports", new { subject = "Billing down", body = "500s" })).EnsureSuccessStatusCode();

        var pending = await publisher.GetFromJsonAsync<JsonElement>("/api/team/subscriptions?state=pending");
        Assert.Equal([orders], pending.EnumerateArray().Select(s => s.GetProperty("id").GetInt64()).ToArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await publisher.PostAsync($"/api/team/subscriptions/{billing}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await publisher.PostAsync($"/api/team/subscriptions/{orders}/approve", null)).StatusCode);
        Assert.Contains($"id = \"sub-{orders}\"", await File.ReadAllTextAsync(policy.ManagerFile), StringComparison.Ordinal);
        Assert.DoesNotContain($"id = \"sub-{billing}\"", await File.ReadAllTextAsync(policy.ManagerFile), StringComparison.Ordinal);

        var reports = await publisher.GetFromJsonAsync<JsonElement>("/api/team/reports");
        Assert.Equal(["Orders slow"], reports.EnumerateArray().Select(r => r.GetProperty("subject").GetString()!).ToArray());
        var page = await publisher.GetStringAsync("/team");
        Assert.Contains("APIs of team-commerce", page, StringComparison.Ordinal);
        Assert.Contains("Orders slow", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Billing down", page, StringComparison.Ordinal);

        // Publishers are not admins, and developers are not publishers.
        Assert.Equal(HttpStatusCode.Forbidden, (await publisher.GetAsync("/api/admin/subscriptions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await developer.GetAsync("/api/team/subscriptions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/subscriptions/{billing}/approve", null)).StatusCode);

        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/audit?action=subscription.approve&entityId={orders}");
        Assert.Equal("pub@example.com", Assert.Single(audit.EnumerateArray()).GetProperty("actor").GetString());
    }
}
