using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeProxy.Manager.Tests.Audit;

public sealed class AuditLogTests
{
    [Fact]
    public async Task Every_change_is_recorded_with_who_what_and_before_after_and_the_admin_can_filter_it()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        var developer = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(developer, "Audited");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(developer, appId, "orders", "pro");
        (await admin.PostAsync($"/api/admin/subscriptions/{subscriptionId}/approve", null)).EnsureSuccessStatusCode();
        var (keyId, key) = await AppsApi.CreateKeyAsync(developer, subscriptionId);
        (await developer.PostAsync($"/api/keys/{keyId}/revoke", null)).EnsureSuccessStatusCode();
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/admin/users");
        var devId = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "dev@example.com").GetProperty("id").GetInt64();
        (await admin.PutAsJsonAsync($"/api/admin/users/{devId}/role", new { role = "publisher" })).EnsureSuccessStatusCode();

        var all = await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit");
        var actions = all.EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        foreach (var expected in (string[])["user.create", "app.create", "subscription.create", "subscription.approve", "key.create", "key.revoke", "user.role"])
        {
            Assert.Contains(expected, actions);
        }

        var revoke = Assert.Single((await admin.GetFromJsonAsync<JsonElement>($"/api/admin/audit?action=key.revoke")).EnumerateArray());
        Assert.Equal("dev@example.com", revoke.GetProperty("actor").GetString());
        Assert.Equal(keyId, revoke.GetProperty("entityId").GetString());
        Assert.Contains("\"revoked\":false", revoke.GetProperty("beforeJson").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"revoked\":true", revoke.GetProperty("afterJson").GetString(), StringComparison.Ordinal);

        var approve = Assert.Single((await admin.GetFromJsonAsync<JsonElement>($"/api/admin/audit?entity=subscription&entityId={subscriptionId}&action=subscription.approve")).EnumerateArray());
        Assert.Equal("admin@example.com", approve.GetProperty("actor").GetString());
        Assert.Contains("\"state\":\"pending\"", approve.GetProperty("beforeJson").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"state\":\"active\"", approve.GetProperty("afterJson").GetString(), StringComparison.Ordinal);

        var role = Assert.Single((await admin.GetFromJsonAsync<JsonElement>("/api/admin/audit?action=user.role")).EnumerateArray());
        Assert.Contains("developer", role.GetProperty("beforeJson").GetString(), StringComparison.Ordinal);
        Assert.Contains("publisher", role.GetProperty("afterJson").GetString(), StringComparison.Ordinal);

        // Neither secrets nor password hashes end up in the log.
        var raw = all.GetRawText();
        Assert.DoesNotContain(key, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("AQAAAA", raw, StringComparison.Ordinal);

        // The admin page shows the same log.
        var page = await admin.GetStringAsync("/admin/audit?Action=key.");
        Assert.Contains("key.revoke", page, StringComparison.Ordinal);
        Assert.DoesNotContain("app.create", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_cannot_be_changed_or_deleted_not_even_with_sql_nor_over_http()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        await AppsApi.CreateAppAsync(admin, "Something");

        using var connection = manager.Host.Services.GetRequiredService<ManagerDatabase>().Open();
        var count = connection.ExecuteScalar<long>("SELECT COUNT(*) FROM audit_log");
        Assert.True(count >= 2);
        var update = Assert.Throws<SqliteException>(() => connection.Execute("UPDATE audit_log SET actor = 'someone else'"));
        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        Assert.Throws<SqliteException>(() => connection.Execute("DELETE FROM audit_log"));
        Assert.Equal(count, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM audit_log"));
        Assert.Equal(0, connection.ExecuteScalar<long>("SELECT COUNT(*) FROM audit_log WHERE actor = 'someone else'"));

        foreach (var method in (HttpMethod[])[HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch, HttpMethod.Post])
        {
            var response = await admin.SendAsync(new HttpRequestMessage(method, "/api/admin/audit") { Content = JsonContent.Create(new { }) });
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }
    }
}
