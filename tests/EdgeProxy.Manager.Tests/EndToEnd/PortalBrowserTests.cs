using System.Diagnostics;
using System.Net;
using EdgeProxy.Manager.Tests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace EdgeProxy.Manager.Tests.EndToEnd;

/// <summary>
/// A newcomer in a real browser: signs up, finds the API in the catalog, creates an app, subscribes, gets a key
/// that the page shows once; Swagger UI's try-it-out on the portal calls the real gateway (another origin, allowed
/// by the gateway's CORS policy) with it and shows the 200; revoked on the page, the next call is refused.
/// Needs Debian's chromium and chromium-driver (installed by .ci/run).
/// </summary>
public sealed class PortalBrowserTests
{
    private static readonly TimeSpan GatewayDeadline = TimeSpan.FromSeconds(2);

    private readonly ITestOutputHelper _output;

    public PortalBrowserTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_new_developer_signs_up_subscribes_gets_a_key_once_calls_the_gateway_and_revokes_it()
    {
        Assert.True(Browser.IsInstalled, $"needs {Browser.ChromiumPath} and {Browser.DriverPath} (apt-get install chromium chromium-driver)");
        await using var upstream = await TestUpstream.StartAsync();
        using var policy = new PolicyFixture(upstream.Url);
        await using var gateway = await InProcessGateway.StartAsync(policy.Directory);
        await using var manager = await TestManager.StartAsync(policy.Directory, gateway.BaseUrl, gatewayAdminUrl: gateway.AdminUrl);
        using var caller = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };

        // The portal's origin is known only now (port 0): the gateway's CORS policy for it arrives by hot reload.
        policy.Write("cors.toml", $$"""
            [cors]
            origins = ["{{manager.BaseUrl}}"]
            methods = ["GET", "POST"]
            headers = ["X-Api-Key", "Content-Type"]
            expose_headers = ["RateLimit", "RateLimit-Policy", "X-Request-Id"]
            """);
        Assert.True(await WaitForCorsAsync(caller, manager.BaseUrl), "the gateway did not take the CORS policy within 5 s");
        var clock = Stopwatch.StartNew();

        using var driver = Browser.Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(10));
        try
        {
            // Sign up.
            driver.Navigate().GoToUrl(manager.BaseUrl + "/signup");
            driver.FindElement(By.Id("name")).SendKeys("Ada");
            driver.FindElement(By.Id("email")).SendKeys("ada@example.com");
            driver.FindElement(By.Id("password")).SendKeys("analytical engine 1843");
            driver.FindElement(By.CssSelector("form.stack button[type=submit]")).Click();
            wait.Until(d => d.Url.EndsWith("/catalog", StringComparison.Ordinal));

            // Create an app.
            driver.Navigate().GoToUrl(manager.BaseUrl + "/apps");
            driver.FindElement(By.Id("name")).SendKeys("Ada's shop");
            driver.FindElement(By.CssSelector("form.stack button[type=submit]")).Click();
            wait.Until(d => d.Url.Contains("/apps/", StringComparison.Ordinal));
            var appUrl = driver.Url;

            // Find the API in the catalog by searching.
            driver.Navigate().GoToUrl(manager.BaseUrl + "/catalog");
            driver.FindElement(By.Id("q")).SendKeys("orders");
            driver.FindElement(By.CssSelector("form.filters button[type=submit]")).Click();
            wait.Until(d => d.Url.Contains("q=orders", StringComparison.Ordinal));
            Browser.Screenshot(driver, "catalog");
            driver.FindElement(By.LinkText("Orders API")).Click();
            wait.Until(d => d.Url.EndsWith("/catalog/orders", StringComparison.Ordinal));
            Assert.Contains("Deprecated since 2026-06-01", driver.PageSource, StringComparison.Ordinal);
            Browser.Screenshot(driver, "api-page");

            // Subscribe on the free plan.
            driver.FindElement(By.CssSelector("#plan option[value=free]")).Click();
            driver.FindElement(By.CssSelector("form.stack button[type=submit]")).Click();
            wait.Until(d => d.Url == appUrl);
            Assert.Contains("badge-active", driver.PageSource, StringComparison.Ordinal);

            // Create a key: shown once.
            driver.FindElement(By.XPath("//button[text()='Create key']")).Click();
            var key = wait.Until(d => d.FindElements(By.Id("newkey")).FirstOrDefault())!.GetDomProperty("value")!;
            Assert.StartsWith("epk_", key, StringComparison.Ordinal);
            Browser.Screenshot(driver, "app-page");
            var accepted = await WaitForStatusAsync(caller, key, HttpStatusCode.OK);
            _output.WriteLine($"first successful call {clock.Elapsed.TotalSeconds:F1} s after the browser started; key live at the gateway after {accepted.TotalMilliseconds:F0} ms");
            Assert.True(accepted <= GatewayDeadline, $"key accepted after {accepted.TotalMilliseconds:F0} ms");

            // The interactive docs render the version's document from local assets, servers set to the gateway; try-it-out
            // with the key is a cross-origin call from the browser, preflighted (X-Api-Key) and answered by the gateway.
            driver.Navigate().GoToUrl(manager.BaseUrl + "/catalog/orders");
            driver.FindElements(By.LinkText("Interactive docs (try it out)"))[1].Click();
            wait.Until(d => d.Url.EndsWith("/catalog/orders/v2/docs", StringComparison.Ordinal));
            wait.Until(d => d.FindElements(By.CssSelector(".opblock-summary-path")).Any(e => e.Text.Contains("/v2/orders/{id}/cancel", StringComparison.Ordinal)));
            Assert.Contains(gateway.BaseUrl, driver.FindElement(By.CssSelector(".servers select")).Text, StringComparison.Ordinal);
            var tried = TryItOut(driver, wait, key, "/v2/orders");
            _output.WriteLine($"try-it-out answered {tried.Status}: {tried.Body}");
            Assert.Equal("200", tried.Status);
            Assert.StartsWith("upstream saw /v2/orders for sub-", tried.Body, StringComparison.Ordinal);
            Browser.Screenshot(driver, "interactive-docs");

            driver.Navigate().GoToUrl(appUrl);
            Assert.Empty(driver.FindElements(By.Id("newkey")));
            Assert.DoesNotContain(key, driver.PageSource, StringComparison.Ordinal);

            // Revoke on the page; the gateway refuses the key.
            driver.FindElement(By.XPath("//button[starts-with(text(), 'Revoke')]")).Click();
            wait.Until(d => d.PageSource.Contains(">revoked<", StringComparison.Ordinal));
            var refused = await WaitForStatusAsync(caller, key, HttpStatusCode.Unauthorized);
            _output.WriteLine($"revoked key refused after {refused.TotalMilliseconds:F0} ms");
            Assert.True(refused <= GatewayDeadline, $"revoked key refused after {refused.TotalMilliseconds:F0} ms");
        }
        catch
        {
            Browser.Screenshot(driver, "failure");
            _output.WriteLine(driver.Url);
            throw;
        }
        finally
        {
            driver.Quit();
        }
    }

    /// <summary>
    /// Swagger UI as a developer uses it: Authorize with the key, open the GET operation on <paramref name="path"/>,
    /// Execute (try-it-out is on by default on the portal), and read the live response's status and body.
    /// </summary>
    private static (string Status, string Body) TryItOut(IWebDriver driver, WebDriverWait wait, string key, string path)
    {
        driver.FindElement(By.CssSelector(".scheme-container button.authorize")).Click();
        var input = wait.Until(d => d.FindElements(By.CssSelector(".modal-ux-content input")).FirstOrDefault(e => e.Displayed))!;
        input.SendKeys(key);
        driver.FindElement(By.CssSelector(".modal-ux-content button.authorize")).Click();
        wait.Until(d => d.FindElements(By.CssSelector(".modal-ux-content button.btn-done, .modal-ux-content .auth-btn-wrapper button")).Any(b => b.Text.Contains("Logout", StringComparison.Ordinal)));
        driver.FindElement(By.CssSelector(".modal-ux .close-modal")).Click();
        wait.Until(d => d.FindElements(By.CssSelector(".modal-ux")).Count == 0);

        var operation = driver.FindElements(By.CssSelector(".opblock.opblock-get"))
            .First(o => o.FindElement(By.CssSelector(".opblock-summary-path")).Text.Trim() == path);
        operation.FindElement(By.CssSelector(".opblock-summary-control, .opblock-summary")).Click();
        var execute = wait.Until(_ => operation.FindElements(By.CssSelector("button.execute")).FirstOrDefault(e => e.Displayed))!;
        execute.Click();
        var status = wait.Until(_ => operation.FindElements(By.CssSelector(".live-responses-table tr.response .response-col_status")).FirstOrDefault(e => e.Text.Trim().Length > 0))!;
        var body = operation.FindElements(By.CssSelector(".live-responses-table tr.response .response-col_description pre")).FirstOrDefault()?.Text ?? "";
        return (status.Text.Trim().Split('\n')[0].Trim(), body.Trim());
    }

    private static async Task<bool> WaitForCorsAsync(HttpClient caller, string origin)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v2/orders");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            preflight.Headers.Add("Access-Control-Request-Headers", "x-api-key");
            using var response = await caller.SendAsync(preflight);
            if (response.Headers.TryGetValues("Access-Control-Allow-Origin", out var allowed) && allowed.Contains(origin))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    private static async Task<TimeSpan> WaitForStatusAsync(HttpClient caller, string key, HttpStatusCode wanted)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v2/orders");
            request.Headers.Add("X-Api-Key", key);
            using var response = await caller.SendAsync(request);
            if (response.StatusCode == wanted)
            {
                return clock.Elapsed;
            }

            await Task.Delay(20);
        }

        return clock.Elapsed;
    }
}
