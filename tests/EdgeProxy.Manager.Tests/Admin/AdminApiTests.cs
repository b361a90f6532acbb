using System.Net;
using EdgeProxy.Manager.Tests.Infrastructure;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace EdgeProxy.Manager.Tests.Admin;

public sealed class AdminApiTests
{
    private static readonly (string Method, string Path)[] AdminCalls =
    [
        ("GET", "/api/admin/users"),
        ("PUT", "/api/admin/users/1/role"),
        ("PUT", "/api/admin/users/1/team"),
        ("GET", "/api/admin/subscriptions"),
        ("POST", "/api/admin/subscriptions/1/approve"),
        ("POST", "/api/admin/subscriptions/1/reject"),
        ("GET", "/api/admin/plans"),
        ("PUT", "/api/admin/plans/gold"),
        ("GET", "/api/admin/audit"),
        ("GET", "/api/admin/reports"),
        ("POST", "/api/admin/reports/1/close"),
    ];

    [Fact]
    public async Task Every_admin_endpoint_answers_401_without_a_session_and_403_to_a_developer()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var anonymous = manager.Client();
        var developer = await manager.DeveloperAsync("dev@example.com");
        var admin = await manager.AdminAsync();
        foreach (var (method, path) in AdminCalls)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(anonymous, method, path)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(developer, method, path)).StatusCode);
            Assert.True((int)(await Send(admin, method, path)).StatusCode is not (401 or 403), $"{method} {path} refused the admin");
        }

        // The admin pages: a redirect to sign in, then the access-denied page.
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/admin/audit")).StatusCode);
        var denied = await developer.GetAsync("/admin/audit");
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/denied", denied.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/audit")).StatusCode);
    }

    [Fact]
    public async Task The_admin_api_is_described_by_a_valid_openapi_document_listing_every_endpoint()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var json = await manager.Client().GetStringAsync("/api/admin/openapi.json");

        var result = OpenApiDocument.Parse(json, OpenApiConstants.Json, new OpenApiReaderSettings());
        Assert.Empty(result.Diagnostic!.Errors);
        var document = result.Document!;
        foreach (var (method, path) in AdminCalls)
        {
            var template = path.Replace("/1/", "/{userId}/", StringComparison.Ordinal);
            if (path.Contains("subscriptions/1", StringComparison.Ordinal))
            {
                template = path.Replace("/1/", "/{subscriptionId}/", StringComparison.Ordinal);
            }

            if (path.EndsWith("plans/gold", StringComparison.Ordinal))
            {
                template = "/api/admin/plans/{planId}";
            }

            if (path.Contains("reports/1", StringComparison.Ordinal))
            {
                template = path.Replace("/1/", "/{reportId}/", StringComparison.Ordinal);
            }

            Assert.True(document.Paths.TryGetValue(template, out var item), $"{template} missing from the document");
            Assert.Contains(item!.Operations!.Keys, m => m.Method == method);
        }

        Assert.Equal("Read the audit log, newest first, filtered by actor, action prefix, entity and entity id",
            document.Paths["/api/admin/audit"].Operations![HttpMethod.Get].Summary);
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string method, string path) =>
        client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method is "PUT" or "POST" ? System.Net.Http.Json.JsonContent.Create(new { role = "developer", team = "", title = "Gold" }) : null,
        });
}
