using System.Diagnostics;
using System.Net;
using EdgeProxy.Manager.Tests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace EdgeProxy.Manager.Tests.EndToEnd;

/// <summary>
/// A newcomer in a real browser: signs up, finds the API in the catalog, creates an app, subscribes, gets a key
/// that the page shows once; a call through the real gateway with it succeeds; revoked on the page, the next
/// call is refused. Needs Debian's chromium and chromium-driver (installed by .ci/run).
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

            // The interactive docs render the version's document from local assets, servers set to the gateway.
            driver.FindElements(By.LinkText("Interactive docs (try it out)"))[1].Click();
            wait.Until(d => d.Url.EndsWith("/catalog/orders/v2/docs", StringComparison.Ordinal));
            wait.Until(d => d.FindElements(By.CssSelector(".opblock-summary-path")).Any(e => e.Text.Contains("/v2/orders/{id}/cancel", StringComparison.Ordinal)));
            Assert.Contains(gateway.BaseUrl, driver.FindElement(By.CssSelector(".servers select")).Text, StringComparison.Ordinal);
            Browser.Screenshot(driver, "interactive-docs");
            driver.Navigate().Back();
            wait.Until(d => d.Url.EndsWith("/catalog/orders", StringComparison.Ordinal));

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
