using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>Hot reload: file changes, POST /reload, bad configs kept out, requests in flight unaffected.</summary>
public sealed class ReloadTests : IAsyncLifetime
{
    private TestUpstream _a = null!;
    private TestUpstream _b = null!;
    private TestGateway _gateway = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static string Routes(string cluster) => $$"""
        [[routes]]
        id = "all"
        cluster = "{{cluster}}"
        path_prefix = "/"
        """;

    public async Task InitializeAsync()
    {
        _a = await TestUpstream.StartAsync();
        _b = await TestUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(
            TestGateway.MainToml(TestGateway.Cluster("a", _a.Url) + TestGateway.Cluster("b", _b.Url)),
            ("routes/all.toml", Routes("a")));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private async Task<string> GetHelloUpstreamAsync()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        return response.BodyText;
    }

    [Fact]
    public async Task File_change_is_applied_within_two_seconds()
    {
        var before = _b.Requests;
        await _gateway.WriteFileAsync("routes/all.toml", Routes("b"));
        await ProxyForwardingTests.WaitForAsync(async () =>
        {
            await GetHelloUpstreamAsync();
            return _b.Requests > before;
        }, seconds: 2);
    }

    [Fact]
    public async Task Invalid_config_is_rejected_the_old_one_keeps_serving_and_the_error_is_reported()
    {
        var version = JsonDocument.Parse(await _http.GetStringAsync(_gateway.AdminUrl + "/config")).RootElement.GetProperty("version").GetString();
        await File.WriteAllTextAsync(Path.Combine(_gateway.Directory, "routes/all.toml"), "[[routes]]\nid = \"all\"\ncluster = \"nope\"\npath_prefix = \"/\"\n");
        var response = await _http.PostAsync(_gateway.AdminUrl + "/reload", null);
        Assert.Equal(422, (int)response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.GetProperty("applied").GetBoolean());
        var error = body.GetProperty("errors")[0];
        Assert.EndsWith("all.toml", error.GetProperty("file").GetString());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Contains("nope", error.GetProperty("message").GetString());

        Assert.Equal("Hello, world!", await GetHelloUpstreamAsync());
        var config = JsonDocument.Parse(await _http.GetStringAsync(_gateway.AdminUrl + "/config")).RootElement;
        Assert.Equal(version, config.GetProperty("version").GetString());
        Assert.False(config.GetProperty("last_reload").GetProperty("applied").GetBoolean());
        Assert.True(config.GetProperty("reloads_failed").GetInt64() >= 1);

        var metrics = await _http.GetStringAsync(_gateway.AdminUrl + "/metrics");
        Assert.Contains("edgeproxy_config_reloads_total{result=\"failed\"}", metrics);
    }

    [Fact]
    public async Task Post_reload_applies_a_valid_change()
    {
        await File.WriteAllTextAsync(Path.Combine(_gateway.Directory, "routes/all.toml"), Routes("b"));
        var response = await _http.PostAsync(_gateway.AdminUrl + "/reload", null);
        Assert.Equal(200, (int)response.StatusCode);
        var before = _b.Requests;
        await GetHelloUpstreamAsync();
        Assert.Equal(before + 1, _b.Requests);
    }

    [Fact]
    public async Task Request_in_flight_finishes_on_its_snapshot_and_the_next_sees_the_new_one()
    {
        using var slow = _gateway.Connect();
        await slow.SendAsync("GET /slow?ms=800 HTTP/1.1\r\nHost: a\r\n\r\n");
        await Task.Delay(200);
        await File.WriteAllTextAsync(Path.Combine(_gateway.Directory, "routes/all.toml"), Routes("b"));
        Assert.Equal(200, (int)(await _http.PostAsync(_gateway.AdminUrl + "/reload", null)).StatusCode);
        var response = await slow.ReadResponseAsync();
        Assert.Equal("slow", response.BodyText);
        Assert.Equal(1, _a.Requests);
        var before = _b.Requests;
        await slow.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        await slow.ReadResponseAsync();
        Assert.Equal(before + 1, _b.Requests);
    }

    [Fact]
    public async Task Fifty_rewrites_under_a_client_loop_fail_no_request()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var failures = 0;
        var requests = 0;
        var writerDone = false;
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var client = _gateway.Connect();
            while (!Volatile.Read(ref writerDone) && !stop.IsCancellationRequested)
            {
                await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
                var response = await client.ReadResponseAsync();
                Interlocked.Increment(ref requests);
                if (response.Status != 200 || response.BodyText != "Hello, world!")
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToArray();

        for (var i = 0; i < 50; i++)
        {
            await _gateway.WriteFileAsync("routes/all.toml", Routes(i % 2 == 0 ? "b" : "a") + $"\n# revision {i}\n");
            await Task.Delay(40);
        }

        // Let the last debounced reload land while clients still run.
        await Task.Delay(300);
        Volatile.Write(ref writerDone, true);
        await Task.WhenAll(clients);
        Assert.Equal(0, failures);
        Assert.True(requests > 50, $"only {requests} requests ran");
        var config = JsonDocument.Parse(await _http.GetStringAsync(_gateway.AdminUrl + "/config")).RootElement;
        Assert.True(config.GetProperty("reloads_applied").GetInt64() >= 2);
    }

    [Fact]
    public async Task Admin_port_serves_health_readiness_and_metrics()
    {
        Assert.Equal("ok\n", await _http.GetStringAsync(_gateway.AdminUrl + "/healthz"));
        Assert.Equal("ready\n", await _http.GetStringAsync(_gateway.AdminUrl + "/readyz"));
        await GetHelloUpstreamAsync();
        var metrics = await _http.GetStringAsync(_gateway.AdminUrl + "/metrics");
        Assert.Contains("edgeproxy_requests_total{route=\"all\",status=\"200\"}", metrics);
        Assert.Contains("edgeproxy_request_duration_seconds_bucket{route=\"all\"", metrics);
        Assert.Contains("edgeproxy_client_connections", metrics);
        Assert.Contains("edgeproxy_upstream_pool_misses_total", metrics);
        var config = JsonDocument.Parse(await _http.GetStringAsync(_gateway.AdminUrl + "/config")).RootElement;
        Assert.Equal(2, config.GetProperty("files").GetArrayLength());
        Assert.Equal(1, config.GetProperty("routes").GetInt32());
    }
}
