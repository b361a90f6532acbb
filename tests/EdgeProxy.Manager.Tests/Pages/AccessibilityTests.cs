using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Pages;

/// <summary>
/// Every portal page as served, parsed with an HTML5 parser: a <c>lang</c> on the document, a skip link to the
/// main content, and every form control a user fills in with a label (label[for], a wrapping label, aria-label or
/// aria-labelledby pointing at an element with text).
/// </summary>
public sealed class AccessibilityTests
{
    [Fact]
    public async Task Every_page_has_lang_a_skip_link_and_a_label_for_every_input_select_and_textarea()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var anonymous = manager.Client();
        var token = manager.Host.BootstrapToken!;
        var pages = new List<(string Url, string Html)>();
        foreach (var url in new[] { "/", "/catalog", "/catalog?q=orders&tag=commerce", "/catalog/orders", "/catalog/orders/v2/docs", "/signin", "/signup", "/setup?token=" + Uri.EscapeDataString(token) })
        {
            pages.Add((url, await GetPageAsync(anonymous, url)));
        }

        // A developer with an app, a live subscription with a key and a pending one (approvals then list it).
        var developer = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(developer, "Shop");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(developer, appId, "orders", "free");
        await AppsApi.CreateKeyAsync(developer, subscriptionId);
        await AppsApi.SubscribeAsync(developer, appId, "billing", "pro");
        foreach (var url in new[] { "/catalog/orders", "/profile", "/apps", $"/apps/{appId}" })
        {
            pages.Add(("developer " + url, await GetPageAsync(developer, url)));
        }

        var admin = await manager.AdminAsync();
        foreach (var url in new[] { "/team", "/analytics", "/admin/subscriptions", "/admin/plans", "/admin/reports", "/admin/users", "/admin/audit" })
        {
            pages.Add(("admin " + url, await GetPageAsync(admin, url)));
        }

        var parser = new HtmlParser();
        var problems = new List<string>();
        var controls = 0;
        foreach (var (url, html) in pages)
        {
            using var document = parser.ParseDocument(html);
            if (string.IsNullOrWhiteSpace(document.DocumentElement.GetAttribute("lang")))
            {
                problems.Add($"{url}: <html> has no lang");
            }

            if (document.QuerySelector("a[href='#main']") is null || document.GetElementById("main") is not { LocalName: "main" })
            {
                problems.Add($"{url}: no skip link to <main id=main>");
            }

            foreach (var control in document.QuerySelectorAll("input, select, textarea"))
            {
                if (control.GetAttribute("type")?.ToLowerInvariant() is "hidden" or "submit" or "button" or "reset" or "image")
                {
                    continue;
                }

                controls++;
                if (!HasLabel(document, control))
                {
                    problems.Add($"{url}: unlabelled {control.OuterHtml}");
                }
            }
        }

        Assert.Empty(problems);
        Assert.True(controls >= 20, $"only {controls} form controls found: the pages did not render their forms");
    }

    [Fact]
    public void The_check_itself_tells_labelled_from_unlabelled_controls()
    {
        using var document = new HtmlParser().ParseDocument("""
            <label for="a">A</label><input id="a">
            <label>B <select><option>x</option></select></label>
            <input aria-label="C"><span id="d">D</span><textarea aria-labelledby="d"></textarea>
            <input id="e"><label for="other">E</label><input aria-label=" "><input aria-labelledby="missing">
            """);
        var labelled = document.QuerySelectorAll("input, select, textarea").Select(control => HasLabel(document, control)).ToArray();
        Assert.Equal([true, true, true, true, false, false, false], labelled);
    }

    private static async Task<string> GetPageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    private static bool HasLabel(IDocument document, IElement control)
    {
        if (!string.IsNullOrWhiteSpace(control.GetAttribute("aria-label")))
        {
            return true;
        }

        if (control.GetAttribute("aria-labelledby") is { } ids)
        {
            foreach (var id in ids.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!string.IsNullOrWhiteSpace(document.GetElementById(id)?.TextContent))
                {
                    return true;
                }
            }
        }

        if (control.Closest("label") is { } wrapping && !string.IsNullOrWhiteSpace(wrapping.TextContent))
        {
            return true;
        }

        var own = control.GetAttribute("id");
        if (string.IsNullOrEmpty(own))
        {
            return false;
        }

        foreach (var label in document.QuerySelectorAll("label[for]"))
        {
            if (label.GetAttribute("for") == own && !string.IsNullOrWhiteSpace(label.TextContent))
            {
                return true;
            }
        }

        return false;
    }
}
