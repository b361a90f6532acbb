using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Manager.Tests.Infrastructure;

/// <summary>The real manager host on 127.0.0.1:0 with a temp data directory and the given config directory.</summary>
public sealed partial class TestManager : IAsyncDisposable
{
    private readonly bool _ownsData;

    private TestManager(ManagerHost host, string dataDirectory, bool ownsData)
    {
        Host = host;
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
    }

    public ManagerHost Host { get; }

    public string DataDirectory { get; }

    public string BaseUrl => Host.BaseUrl;

    public static async Task<TestManager> StartAsync(string configDirectory, string gatewayUrl = "http://127.0.0.1:8080", string? dataDirectory = null, string gatewayAdminUrl = "http://127.0.0.1:9",
        EdgeProxy.Manager.Analytics.AnalyticsSettings? analytics = null, Func<ManagerOptions, ManagerOptions>? configure = null)
    {
        var ownsData = dataDirectory is null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "edgeproxy-manager-data-" + Guid.NewGuid().ToString("N"));
        var options = new ManagerOptions
        {
            ConfigDirectory = configDirectory,
            DataDirectory = dataDirectory,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            GatewayUrl = gatewayUrl,
            GatewayAdminUrl = gatewayAdminUrl,
            Analytics = analytics ?? new(),
        };
        options = configure?.Invoke(options) ?? options;
        var host = await ManagerHost.StartAsync(options, logging => logging.SetMinimumLevel(LogLevel.Warning));
        return new TestManager(host, dataDirectory, ownsData);
    }

    /// <summary>A client with its own cookie jar (one browser session); redirects are not followed, so tests see them.</summary>
    public HttpClient Client() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(BaseUrl),
            Timeout = TimeSpan.FromSeconds(20),
        };

    /// <summary>A developer account signed up through the JSON API and signed in.</summary>
    public async Task<HttpClient> DeveloperAsync(string email, string password = "correct horse battery")
    {
        var client = Client();
        (await client.PostAsJsonAsync("/api/signup", new { email, name = email.Split('@')[0], password })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/session", new { email, password })).EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>The first admin, created through the /setup page with the bootstrap token (a real form post with antiforgery).</summary>
    public async Task<HttpClient> AdminAsync(string email = "admin@example.com", string password = "admin password 1")
    {
        var client = Client();
        var token = Host.BootstrapToken ?? throw new InvalidOperationException("no bootstrap token: an admin exists already");
        var response = await PostFormAsync(client, "/setup?token=" + Uri.EscapeDataString(token), new() { ["Token"] = token, ["Name"] = "Admin", ["Email"] = email, ["Password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>GETs the page, takes its antiforgery token, and posts the form as a browser would.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string pageUrl, Dictionary<string, string> fields, string? handler = null)
    {
        var page = await client.GetStringAsync(pageUrl);
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(page) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("the page has no antiforgery token");
        var url = handler is null ? pageUrl : pageUrl + (pageUrl.Contains('?') ? "&" : "?") + "handler=" + handler;
        return await client.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!_ownsData)
        {
            return; // a test that passed its own data directory restarts on it, and removes it itself
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
