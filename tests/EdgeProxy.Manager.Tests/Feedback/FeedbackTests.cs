using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Feedback;

public sealed class FeedbackTests
{
    [Fact]
    public async Task A_comment_posted_from_the_api_page_shows_in_its_thread_for_everyone()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var developer = await manager.DeveloperAsync("ada@example.com");

        var posted = await TestManager.PostFormAsync(developer, "/catalog/orders", new() { ["CommentBody"] = "Is <b>v2</b> pagination cursor-based?" }, handler: "Comment");
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Contains("Comment posted.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var page = await manager.Client().GetStringAsync("/catalog/orders");
        Assert.Contains("Is &lt;b&gt;v2&lt;/b&gt; pagination cursor-based?", page, StringComparison.Ordinal); // encoded, not markup
        var thread = await manager.Client().GetFromJsonAsync<JsonElement>("/api/apis/orders/comments");
        var comment = Assert.Single(thread.EnumerateArray());
        Assert.Equal("ada", comment.GetProperty("author").GetString());
        Assert.Empty((await manager.Client().GetFromJsonAsync<JsonElement>("/api/apis/billing/comments")).EnumerateArray());

        Assert.Equal(HttpStatusCode.Unauthorized, (await manager.Client().PostAsJsonAsync("/api/apis/orders/comments", new { body = "anonymous" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await developer.PostAsJsonAsync("/api/apis/labs/comments", new { body = "draft" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await developer.PostAsJsonAsync("/api/apis/orders/comments", new { body = "  " })).StatusCode);
    }

    [Fact]
    public async Task A_problem_report_reaches_the_owner_team_in_the_admin_ui_and_closing_it_is_audited()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var admin = await manager.AdminAsync();
        var developer = await manager.DeveloperAsync("ada@example.com");

        var sent = await TestManager.PostFormAsync(developer, "/catalog/billing", new() { ["ReportSubject"] = "Invoices 500", ["ReportBody"] = "GET /billing/invoices answers 500 since 9:00." }, handler: "Report");
        Assert.Contains("sent to team-finance", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        (await developer.PostAsJsonAsync("/api/apis/orders/reports", new { subject = "Docs typo", body = "cancel is spelled cancle" })).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Forbidden, (await developer.GetAsync("/api/admin/reports")).StatusCode);
        var finance = await admin.GetFromJsonAsync<JsonElement>("/api/admin/reports?owner=team-finance");
        var report = Assert.Single(finance.EnumerateArray());
        Assert.Equal("Invoices 500", report.GetProperty("subject").GetString());
        Assert.Equal("ada@example.com", report.GetProperty("reporter").GetString());
        Assert.Equal("open", report.GetProperty("state").GetString());

        var page = await admin.GetStringAsync("/admin/reports?Owner=team-commerce");
        Assert.Contains("Docs typo", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Invoices 500", page, StringComparison.Ordinal);

        var id = report.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/reports/{id}/close", null)).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/admin/reports?owner=team-finance&state=open")).EnumerateArray());
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/audit?entity=report&entityId={id}");
        Assert.Equal(["report.close", "report.create"], audit.EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray());
    }
}
