using System.Net;
using System.Net.Http.Json;
using System.Text;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Keys;

namespace EdgeProxy.Manager.Tests.Apps;

public sealed class KeyLifecycleTests
{
    [Fact]
    public async Task A_created_key_reaches_the_consumer_file_as_its_hash_only_and_the_directory_loads_without_errors()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(client, "Shop \"front\" app");
        var (subscriptionId, state) = await AppsApi.SubscribeAsync(client, appId, "orders", "free");
        Assert.Equal("active", state);
        var (keyId, key) = await AppsApi.CreateKeyAsync(client, subscriptionId);

        Assert.StartsWith(ApiKeyGenerator.Prefix, key, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(Pad(key[4..])).Length >= 16, "at least 128 random bits");
        var text = await File.ReadAllTextAsync(policy.ManagerFile);
        Assert.Contains(ApiKeyGenerator.Sha256Hex(key), text, StringComparison.Ordinal);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);

        var loaded = ConfigLoader.Load(policy.Directory);
        Assert.Empty(loaded.Errors);
        var consumer = Assert.Single(loaded.Config!.Consumers, c => c.Id == $"sub-{subscriptionId}");
        Assert.Equal("Shop \"front\" app", consumer.Name);
        Assert.Equal("free", consumer.Plan);
        Assert.Equal(new[] { $"app:{appId}" }, consumer.Tags.ToArray());
        Assert.Equal(new[] { "orders" }, consumer.Apis.ToArray());
        var entry = Assert.Single(consumer.Keys);
        Assert.Equal(keyId, entry.Id);
        Assert.False(entry.Revoked);

        // Nowhere on disk in plain text: not in the database either (the key is shown once, in the answer above).
        foreach (var file in Directory.EnumerateFiles(manager.DataDirectory, "manager.db*"))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.DoesNotContain(key, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }

        // No temp files left beside it.
        Assert.DoesNotContain(Directory.EnumerateFiles(policy.Directory), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public async Task Revoke_marks_the_key_revoked_and_rotate_gives_the_old_key_a_grace_expiry()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(client, "App");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(client, appId, "orders", "free");
        var (first, _) = await AppsApi.CreateKeyAsync(client, subscriptionId);
        var (second, _) = await AppsApi.CreateKeyAsync(client, subscriptionId);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/keys/{first}/revoke", null)).StatusCode);
        var before = DateTimeOffset.UtcNow;
        var rotated = await client.PostAsJsonAsync($"/api/keys/{second}/rotate", new { graceHours = 24 });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);

        var keys = ConsumerKeys(policy, subscriptionId);
        Assert.True(keys[first].Revoked);
        Assert.False(keys[second].Revoked);
        Assert.InRange(keys[second].ExpiresAt!.Value, before.AddHours(24).AddSeconds(-2), DateTimeOffset.UtcNow.AddHours(24).AddSeconds(1));
        var replacement = Assert.Single(keys.Values, k => k.Id != first && k.Id != second);
        Assert.Null(replacement.ExpiresAt);
        Assert.False(replacement.Revoked);
    }

    [Fact]
    public async Task Another_developer_cannot_see_or_touch_my_app_subscription_or_keys()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var owner = await manager.DeveloperAsync("owner@example.com");
        var other = await manager.DeveloperAsync("other@example.com");
        var appId = await AppsApi.CreateAppAsync(owner, "Mine");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(owner, appId, "orders", "free");
        var (keyId, _) = await AppsApi.CreateKeyAsync(owner, subscriptionId);

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/apps/{appId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync($"/api/apps/{appId}/subscriptions", new { api = "billing", plan = "free" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/subscriptions/{subscriptionId}/keys", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/keys/{keyId}/revoke", null)).StatusCode);
        Assert.False(ConsumerKeys(policy, subscriptionId)[keyId].Revoked);
    }

    [Fact]
    public async Task A_plan_with_approval_leaves_the_subscription_pending_until_an_admin_approves()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        var developer = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(developer, "App");
        var (subscriptionId, state) = await AppsApi.SubscribeAsync(developer, appId, "orders", "pro");
        Assert.Equal("pending", state);
        Assert.Equal(HttpStatusCode.BadRequest, (await developer.PostAsync($"/api/subscriptions/{subscriptionId}/keys", null)).StatusCode);
        Assert.DoesNotContain($"sub-{subscriptionId}", await File.ReadAllTextAsync(policy.ManagerFile), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await developer.PostAsync($"/api/admin/subscriptions/{subscriptionId}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/subscriptions/{subscriptionId}/approve", null)).StatusCode);

        var consumer = Assert.Single(ConfigLoader.Load(policy.Directory).Config!.Consumers, c => c.Id == $"sub-{subscriptionId}");
        Assert.Equal("pro", consumer.Plan);
        var (keyId, _) = await AppsApi.CreateKeyAsync(developer, subscriptionId);
        Assert.Contains(keyId, await File.ReadAllTextAsync(policy.ManagerFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_or_draft_apis_and_unknown_plans_are_refused()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(client, "App");
        foreach (var (api, plan) in ((string, string)[])[("nope", "free"), ("labs", "free"), ("orders", "gold")])
        {
            var response = await client.PostAsJsonAsync($"/api/apps/{appId}/subscriptions", new { api, plan });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_change_the_gateway_would_refuse_is_not_written_and_not_kept()
    {
        using var policy = new PolicyFixture();
        // A hand-written consumer that takes the id the manager's first subscription will get.
        policy.Write("hand.toml", """
            [[consumers]]
            id = "sub-1"
            keys = []
            """);
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(client, "App");
        var written = await File.ReadAllTextAsync(policy.ManagerFile); // the start-up write: no consumers yet

        var response = await client.PostAsJsonAsync($"/api/apps/{appId}/subscriptions", new { api = "orders", plan = "free" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("sub-1", body, StringComparison.Ordinal);
        Assert.Contains("manager-consumers.toml", body, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllTextAsync(policy.ManagerFile));
        Assert.DoesNotContain("[[consumers]]", written, StringComparison.Ordinal);
        var app = await client.GetStringAsync($"/api/apps/{appId}");
        Assert.Contains("\"subscriptions\": []", app, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_start_the_manager_rewrites_the_consumer_file_from_its_database()
    {
        using var policy = new PolicyFixture();
        var data = Path.Combine(Path.GetTempPath(), "edgeproxy-manager-data-" + Guid.NewGuid().ToString("N"));
        try
        {
            string keyId;
            await using (var first = await TestManager.StartAsync(policy.Directory, dataDirectory: data))
            {
                var client = await first.DeveloperAsync("dev@example.com");
                var appId = await AppsApi.CreateAppAsync(client, "App");
                var (subscriptionId, _) = await AppsApi.SubscribeAsync(client, appId, "orders", "free");
                (keyId, _) = await AppsApi.CreateKeyAsync(client, subscriptionId);
            }

            File.Delete(policy.ManagerFile);
            await using var second = await TestManager.StartAsync(policy.Directory, dataDirectory: data);
            var loaded = ConfigLoader.Load(policy.Directory);
            Assert.Empty(loaded.Errors);
            Assert.Equal(keyId, Assert.Single(Assert.Single(loaded.Config!.Consumers, c => c.Id == "sub-1").Keys).Id);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static Dictionary<string, ApiKeyConfig> ConsumerKeys(PolicyFixture policy, long subscriptionId)
    {
        var loaded = ConfigLoader.Load(policy.Directory);
        Assert.Empty(loaded.Errors);
        return loaded.Config!.Consumers.Single(c => c.Id == $"sub-{subscriptionId}").Keys.ToDictionary(k => k.Id!);
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static string Pad(string base64Url)
    {
        var text = base64Url.Replace('-', '+').Replace('_', '/');
        return text + new string('=', (4 - (text.Length % 4)) % 4);
    }
}
