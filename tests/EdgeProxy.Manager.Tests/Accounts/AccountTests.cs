using System.Net;
using System.Net.Http.Json;
using Dapper;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeProxy.Manager.Tests.Accounts;

public sealed class AccountTests
{
    [Fact]
    public async Task Sign_up_stores_a_password_hash_not_the_password_and_the_session_cookie_signs_in()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = await manager.DeveloperAsync("dev@example.com", "a long password 123");

        var me = await client.GetFromJsonAsync<Dictionary<string, object>>("/api/me");
        Assert.Equal("dev@example.com", me!["email"].ToString());
        Assert.Equal("developer", me["role"].ToString());

        using var connection = manager.Host.Services.GetRequiredService<ManagerDatabase>().Open();
        var hash = connection.ExecuteScalar<string>("SELECT password_hash FROM users WHERE email = 'dev@example.com'")!;
        Assert.DoesNotContain("a long password 123", hash, StringComparison.Ordinal);
        Assert.StartsWith("AQAAAA", hash, StringComparison.Ordinal); // Identity's v3 format (PBKDF2 with salt)

        var anonymous = manager.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/apps")).StatusCode);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_password()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        await manager.DeveloperAsync("victim@example.com", "the right password");
        var attacker = manager.Client();
        for (var i = 1; i <= 4; i++)
        {
            var wrong = await attacker.PostAsJsonAsync("/api/session", new { email = "victim@example.com", password = "guess " + i });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var fifth = await attacker.PostAsJsonAsync("/api/session", new { email = "victim@example.com", password = "guess 5" });
        Assert.Equal(HttpStatusCode.Locked, fifth.StatusCode);
        var right = await attacker.PostAsJsonAsync("/api/session", new { email = "victim@example.com", password = "the right password" });
        Assert.Equal(HttpStatusCode.Locked, right.StatusCode);

        using var connection = manager.Host.Services.GetRequiredService<ManagerDatabase>().Open();
        var until = connection.ExecuteScalar<string>("SELECT locked_until FROM users WHERE email = 'victim@example.com'")!;
        var remaining = DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow;
        Assert.InRange(remaining, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
    }

    [Fact]
    public async Task Page_forms_without_the_antiforgery_token_are_refused()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = manager.Client();
        var forged = await client.PostAsync("/signup", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Name"] = "Mallory", ["Email"] = "mallory@example.com", ["Password"] = "long enough password",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        var real = await TestManager.PostFormAsync(client, "/signup", new() { ["Name"] = "Dev", ["Email"] = "dev@example.com", ["Password"] = "long enough password" });
        Assert.Equal(HttpStatusCode.Redirect, real.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/apps")).StatusCode);
    }

    [Fact]
    public async Task The_profile_page_changes_the_password_only_with_the_current_one()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = await manager.DeveloperAsync("dev@example.com", "first password 1");
        Assert.Contains("dev@example.com", await client.GetStringAsync("/profile"), StringComparison.Ordinal);

        var wrong = await TestManager.PostFormAsync(client, "/profile", new() { ["Current"] = "not it at all", ["Replacement"] = "second password 2" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var changed = await TestManager.PostFormAsync(client, "/profile", new() { ["Current"] = "first password 1", ["Replacement"] = "second password 2" });
        Assert.Contains("Password changed.", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var fresh = manager.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.PostAsJsonAsync("/api/session", new { email = "dev@example.com", password = "first password 1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fresh.PostAsJsonAsync("/api/session", new { email = "dev@example.com", password = "second password 2" })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await manager.Client().GetAsync("/profile")).StatusCode);
    }

    [Fact]
    public async Task The_bootstrap_token_creates_the_first_admin_once_and_is_not_issued_again()
    {
        using var policy = new PolicyFixture();
        var data = Path.Combine(Path.GetTempPath(), "edgeproxy-manager-data-" + Guid.NewGuid().ToString("N"));
        await using (var first = await TestManager.StartAsync(policy.Directory, dataDirectory: data))
        {
            Assert.NotNull(first.Host.BootstrapToken);
            Assert.Equal(HttpStatusCode.Forbidden, (await first.Client().GetAsync("/setup?token=wrong")).StatusCode);
            var admin = await first.AdminAsync();
            var me = await admin.GetFromJsonAsync<Dictionary<string, object>>("/api/me");
            Assert.Equal("admin", me!["role"].ToString());

            // Burned: the same link no longer works.
            Assert.Equal(HttpStatusCode.Forbidden, (await first.Client().GetAsync("/setup?token=" + first.Host.BootstrapToken)).StatusCode);
            await first.DisposeAsync();

            await using var second = await TestManager.StartAsync(policy.Directory, dataDirectory: data);
            Assert.Null(second.Host.BootstrapToken);
            var again = await second.Client().PostAsJsonAsync("/api/session", new { email = "admin@example.com", password = "admin password 1" });
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        Directory.Delete(data, recursive: true);
    }
}
