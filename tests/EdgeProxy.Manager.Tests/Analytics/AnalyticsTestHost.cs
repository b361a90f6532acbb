using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>The real manager with an analytics secret, a temp config directory, and JSON helpers for the query API.</summary>
public sealed class AnalyticsTestHost : IAsyncDisposable
{
    private readonly PolicyFixture _policy;

    private AnalyticsTestHost(PolicyFixture policy, TestManager manager)
    {
        _policy = policy;
        Manager = manager;
    }

    public TestManager Manager { get; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static async Task<AnalyticsTestHost> StartAsync(AnalyticsSettings? settings = null)
    {
        var policy = new PolicyFixture();

        // Tests run alert evaluation and retention themselves, at the times they choose.
        settings = (settings ?? new AnalyticsSettings { Secret = BatchBuilder.Secret }) with { AlertInterval = TimeSpan.FromHours(1) };
        var manager = await TestManager.StartAsync(policy.Directory, analytics: settings);
        return new AnalyticsTestHost(policy, manager);
    }

    public static async Task<T> GetAsync<T>(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    /// <summary>A query range around <paramref name="at"/> in Unix seconds: from − 1 h to + 1 h.</summary>
    public static string Around(DateTimeOffset at) => $"from={at.AddHours(-1).ToUnixTimeSeconds()}&to={at.AddHours(1).ToUnixTimeSeconds()}";

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync();
        _policy.Dispose();
    }
}
