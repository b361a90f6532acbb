using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Apps;
using EdgeProxy.Manager.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeProxy.Manager.Tests.EndToEnd;

/// <summary>
/// Manager and the real gateway on one config directory: a key created through the manager's HTTP API works at
/// the gateway within 2 s (hot reload of manager-consumers.toml), and is refused within 2 s of its revocation.
/// </summary>
public sealed class GatewayEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private readonly ITestOutputHelper _output;

    public GatewayEndToEndTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task A_key_from_the_manager_works_at_the_gateway_within_2s_and_is_refused_within_2s_of_revocation()
    {
        await using var upstream = await TestUpstream.StartAsync();
        using var policy = new PolicyFixture(upstream.Url);
        await using var gateway = await InProcessGateway.StartAsync(policy.Directory);
        await using var manager = await TestManager.StartAsync(policy.Directory, gateway.BaseUrl, gatewayAdminUrl: gateway.AdminUrl);
        using var caller = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(5) };

        var developer = await manager.DeveloperAsync("dev@example.com");
        var appId = await AppsApi.CreateAppAsync(developer, "App");
        var (subscriptionId, _) = await AppsApi.SubscribeAsync(developer, appId, "orders", "free");
        var (keyId, key) = await AppsApi.CreateKeyAsync(developer, subscriptionId);

        var accepted = await WaitForStatusAsync(caller, key, HttpStatusCode.OK);
        Assert.True(accepted.Elapsed <= Deadline, $"key accepted after {accepted.Elapsed.TotalMilliseconds:F0} ms (last status {accepted.Last})");
        _output.WriteLine($"key accepted at the gateway {accepted.Elapsed.TotalMilliseconds:F0} ms after the manager answered");
        var body = await (await SendAsync(caller, key)).Content.ReadAsStringAsync();
        Assert.Contains($"for sub-{subscriptionId}", body, StringComparison.Ordinal);

        // The subscription is to "orders" only: the same key is refused on another API's route.
        using (var other = new HttpRequestMessage(HttpMethod.Get, "/billing/invoices"))
        {
            other.Headers.Add("X-Api-Key", key);
            Assert.Equal(HttpStatusCode.Forbidden, (await caller.SendAsync(other)).StatusCode);
        }

        // The app's usage is the gateway's own count, read from its admin port.
        var usage = await developer.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{subscriptionId}/usage");
        var day = usage.EnumerateArray().Single(p => p.GetProperty("period").GetString() == "day");
        var used = day.GetProperty("used").GetInt64();
        Assert.InRange(used, 2, 100);
        Assert.Equal(1000, day.GetProperty("limit").GetInt64());
        Assert.Equal(1000 - used, day.GetProperty("remaining").GetInt64());
        var page = await developer.GetStringAsync($"/apps/{appId}");
        Assert.Contains("Usage and remaining quota", page, StringComparison.Ordinal);
        Assert.Contains($"<td>day</td><td>{used}</td><td>1000</td><td>{1000 - used}</td>", page, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await developer.PostAsync($"/api/keys/{keyId}/revoke", null)).StatusCode);
        var refused = await WaitForStatusAsync(caller, key, HttpStatusCode.Unauthorized);
        _output.WriteLine($"revoked key refused {refused.Elapsed.TotalMilliseconds:F0} ms after the manager answered");
        Assert.True(refused.Elapsed <= Deadline, $"revoked key refused after {refused.Elapsed.TotalMilliseconds:F0} ms (last status {refused.Last})");
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient caller, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v2/orders");
        request.Headers.Add("X-Api-Key", key);
        return caller.SendAsync(request);
    }

    // Polls every 20 ms, for at most 5 s, so a failure reports how long it really took.
    private static async Task<(TimeSpan Elapsed, HttpStatusCode Last)> WaitForStatusAsync(HttpClient caller, string key, HttpStatusCode wanted)
    {
        var clock = Stopwatch.StartNew();
        var last = (HttpStatusCode)0;
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            using var response = await SendAsync(caller, key);
            last = response.StatusCode;
            if (last == wanted)
            {
                return (clock.Elapsed, last);
            }

            await Task.Delay(20);
        }

        return (clock.Elapsed, last);
    }
}
