using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using EdgeProxy.Manager.Analytics.Alerts;
using Microsoft.Extensions.DependencyInjection;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.EndToEnd;
using EdgeProxy.Policy.Analytics;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// Headless chromium against the real manager: the dashboard draws its charts (uPlot from the manager's own
/// assets) with the ingested numbers, drill-down by consumer narrows them, a developer sees only their own app's
/// usage on the app page, and the JSON behind it refuses someone else's app. Screenshots go to
/// <c>$EDGEPROXY_SCREENSHOTS</c> (docs/screenshots).
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_dashboard_renders_charts_with_the_ingested_data_and_a_developer_sees_their_own_app_usage()
    {
        Assert.True(Browser.IsInstalled, $"needs {Browser.ChromiumPath} and {Browser.DriverPath} (apt-get install chromium chromium-driver)");
        await using var host = await AnalyticsTestHost.StartAsync();
        using var admin = await host.Manager.AdminAsync();
        using var developer = await host.Manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(developer, "Shop");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(developer, appId, "orders", "free");
        var consumer = "sub-" + subscriptionId;
        using var other = await host.Manager.DeveloperAsync("other@example.com");
        var otherApp = await AppsApi.CreateAppAsync(other, "Other");

        // 40 minutes of traffic: three consumers (one the developer's app), a cached route, an upstream failing lately.
        var now = DateTimeOffset.UtcNow;
        var random = new Random(8);
        var builder = new BatchBuilder();
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 1200; i++)
        {
            var at = now.AddMinutes(-40).AddSeconds(i * 2);
            var who = i % 4 == 0 ? consumer : i % 4 == 1 ? "partner-a" : "partner-b";
            counts[who] = counts.GetValueOrDefault(who) + 1;
            var failing = i > 900 && i % 5 == 0;
            var total = (long)Math.Exp(random.NextDouble() * 3 + 7);
            builder.Add(at, i % 3 == 0 ? "catalog" : "orders", who, failing ? 502 : 200, total, failing ? 0 : total - 300,
                upstream: failing ? "http://10.0.0.7:80" : "http://10.0.0.1:80", error: failing ? AnalyticsErrorKind.ConnectTimeout : AnalyticsErrorKind.None,
                api: i % 3 == 0 ? "catalog" : "orders", cache: i % 3 == 0 ? (i % 2 == 0 ? AnalyticsCacheStatus.Hit : AnalyticsCacheStatus.Miss) : AnalyticsCacheStatus.None);
            if (failing)
            {
                builder.WithSample(RequestSample(i));
            }
        }

        using (var ingest = host.Manager.Client())
        {
            Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);
        }

        // The JSON behind the app page: the developer's app only; someone else's app is not found.
        var own = await AnalyticsTestHost.GetAsync<Series>(developer, $"/api/analytics/apps/{appId}/series?from={now.AddHours(-1).ToUnixTimeSeconds()}&to={now.AddMinutes(1).ToUnixTimeSeconds()}");
        Assert.Equal(counts[consumer], own.Total.Requests);
        Assert.Equal(HttpStatusCode.NotFound, (await developer.GetAsync($"/api/analytics/apps/{otherApp}/series")).StatusCode);
        using (var page = await developer.GetAsync("/analytics"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Contains("/denied", page.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        // An SLO and a firing rule, evaluated, so the dashboard has them to show.
        await using var receiver = await WebhookReceiver.StartAsync("dashboard-webhook-secret-1");
        (await admin.PostAsJsonAsync("/api/analytics/slos", new { api = "orders", availability = 0.999, windowDays = 30 })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/analytics/alerts/rules", new { name = "orders errors", kind = "threshold", api = "orders", metric = "error_rate", threshold = 0.01, windowMinutes = 30, webhookUrl = receiver.Url, webhookSecret = "dashboard-webhook-secret-1" })).EnsureSuccessStatusCode();
        await host.Manager.Host.Services.GetRequiredService<AlertEvaluator>().EvaluateOnceAsync(now);

        using var driver = Browser.Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(15));
        try
        {
            SignIn(driver, wait, host.Manager.BaseUrl, "admin@example.com", "admin password 1");
            var clock = Stopwatch.StartNew();
            driver.Navigate().GoToUrl(host.Manager.BaseUrl + "/analytics?range=3600");
            var root = wait.Until(d => d.FindElements(By.CssSelector("#analytics[data-loaded]")).FirstOrDefault())!;
            Assert.Equal("true", root.GetAttribute("data-loaded"));
            output.WriteLine($"dashboard loaded in {clock.ElapsedMilliseconds} ms");
            Assert.Equal("1200", root.GetAttribute("data-requests"));
            Assert.Equal(5, driver.FindElements(By.CssSelector(".charts .uplot canvas")).Count);
            var consumerRows = driver.FindElements(By.CssSelector("#top-consumer tbody tr"));
            Assert.Equal(3, consumerRows.Count);
            Assert.Contains(consumerRows, r => r.Text.StartsWith($"{consumer} {counts[consumer]:N0}", StringComparison.Ordinal));
            var errorRow = driver.FindElement(By.CssSelector("#top-errors tbody tr"));
            Assert.Contains("connect_timeout", errorRow.Text, StringComparison.Ordinal);
            Assert.Contains("http://10.0.0.7:80", errorRow.Text, StringComparison.Ordinal);

            // Each example folds out to its request: target and headers, the secret one shown only as redacted.
            var sample = errorRow.FindElement(By.CssSelector("details.request-sample"));
            Assert.False(sample.FindElement(By.CssSelector("table")).Displayed);
            sample.FindElement(By.TagName("summary")).Click();
            var headerRows = sample.FindElements(By.CssSelector("table tr")).Select(r => r.Text).ToList();
            Assert.Contains("X-Custom visible", headerRows);
            Assert.Contains("Authorization [redacted]", headerRows);
            Assert.Matches("^GET /orders/[0-9]+\\?token=\\[redacted\\]$", sample.FindElement(By.CssSelector(".target")).Text);
            Assert.DoesNotContain("SECRET-DASH", driver.PageSource, StringComparison.Ordinal);
            ((IJavaScriptExecutor)driver).ExecuteScript("arguments[0].scrollIntoView()", errorRow);
            Browser.Screenshot(driver, "analytics-error-sample");
            ((IJavaScriptExecutor)driver).ExecuteScript("window.scrollTo(0, 0)");
            Assert.DoesNotContain("Could not load", driver.FindElement(By.Id("analytics-status")).Text, StringComparison.Ordinal);
            Assert.StartsWith("orders 99.9 %", driver.FindElement(By.CssSelector("#slos tbody tr")).Text, StringComparison.Ordinal);
            Assert.Contains("FIRING", driver.FindElement(By.CssSelector("#alerts tbody tr")).Text, StringComparison.Ordinal);
            Browser.Screenshot(driver, "analytics-dashboard");

            // Drill down into one consumer: the charts and totals narrow to it.
            driver.FindElement(By.LinkText("partner-a")).Click();
            wait.Until(d => d.Url.Contains("consumer=partner-a", StringComparison.Ordinal));
            root = wait.Until(d => d.FindElements(By.CssSelector("#analytics[data-loaded]")).FirstOrDefault())!;
            Assert.Equal(counts["partner-a"].ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetAttribute("data-requests"));
            Assert.Equal(5, driver.FindElements(By.CssSelector(".charts .uplot canvas")).Count);
            Browser.Screenshot(driver, "analytics-drilldown");

            // A custom range in UTC that holds only the last 10 minutes of the traffic (records 900…1199).
            var from = now.AddMinutes(-10).AddSeconds(-now.Second).AddMilliseconds(-now.Millisecond);
            var inWindow = Enumerable.Range(0, 1200).Count(i => now.AddMinutes(-40).AddSeconds(i * 2) >= from && now.AddMinutes(-40).AddSeconds(i * 2) < from.AddMinutes(20));
            driver.Navigate().GoToUrl($"{host.Manager.BaseUrl}/analytics?range=custom&from={from.UtcDateTime:yyyy-MM-ddTHH:mm}&to={from.AddMinutes(20).UtcDateTime:yyyy-MM-ddTHH:mm}");
            root = wait.Until(d => d.FindElements(By.CssSelector("#analytics[data-loaded]")).FirstOrDefault())!;
            Assert.Equal(inWindow.ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetAttribute("data-requests"));

            // The developer's app page shows that app's usage.
            driver.Manage().Cookies.DeleteAllCookies();
            SignIn(driver, wait, host.Manager.BaseUrl, "dev@example.com", "correct horse battery");
            driver.Navigate().GoToUrl($"{host.Manager.BaseUrl}/apps/{appId}");
            var usage = wait.Until(d => d.FindElements(By.CssSelector("#app-usage[data-requests]")).FirstOrDefault())!;
            Assert.Equal(counts[consumer].ToString(System.Globalization.CultureInfo.InvariantCulture), usage.GetAttribute("data-requests"));
            Assert.Single(driver.FindElements(By.CssSelector("#app-usage .uplot canvas")));
            Browser.Screenshot(driver, "app-usage");
        }
        catch
        {
            Browser.Screenshot(driver, "analytics-failure");
            output.WriteLine(driver.Url);
            throw;
        }
        finally
        {
            driver.Quit();
        }
    }

    /// <summary>A request sample as the gateway writes it, with a secret header and query value.</summary>
    private static byte[] RequestSample(int i)
    {
        var buffer = new byte[AnalyticsWire.MaxSampleBytes];
        var writer = new AnalyticsSampleWriter(buffer, System.Text.Encoding.ASCII.GetBytes($"/orders/{i}?token=SECRET-DASH-Q"), default);
        writer.AddHeader("Host"u8, "api.example"u8, "X-Api-Key"u8);
        writer.AddHeader("Authorization"u8, "Bearer SECRET-DASH-H"u8, "X-Api-Key"u8);
        writer.AddHeader("X-Custom"u8, "visible"u8, "X-Api-Key"u8);
        return buffer.AsSpan(0, writer.Finish()).ToArray();
    }

    private static void SignIn(IWebDriver driver, WebDriverWait wait, string baseUrl, string email, string password)
    {
        driver.Navigate().GoToUrl(baseUrl + "/signin");
        driver.FindElement(By.Id("email")).SendKeys(email);
        driver.FindElement(By.Id("password")).SendKeys(password);
        driver.FindElement(By.CssSelector("main form button[type=submit]")).Click();
        wait.Until(d => !d.Url.Contains("/signin", StringComparison.Ordinal));
    }
}
