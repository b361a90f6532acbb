using System.Text.Json;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>API keys, rate limits and quotas on the request path, over real sockets against a real upstream.</summary>
public sealed class AccessPolicyTests
{
    private static readonly GeneratedApiKey Alice = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "alice-1");
    private static readonly GeneratedApiKey Bob = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "bob-1");
    private static readonly GeneratedApiKey Old = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "old-1");
    private static readonly GeneratedApiKey Gone = ApiKeyGenerator.Create(DateTimeOffset.UtcNow, "gone-1");

    private static string Routes(string privateExtra = "") => $$"""
        [[routes]]
        id = "private"
        cluster = "app"
        path_prefix = "/"
        auth = "api_key"
        {{privateExtra}}
        """;

    /// <summary>alice: valid key (plan "gold"); bob: disabled; old: expired key; gone: revoked key.</summary>
    private static string Consumers(bool aliceRevoked = false, string planExtra = "", string settings = "") => $$"""
        {{settings}}
        [[plans]]
        id = "gold"
        {{planExtra}}

        [[consumers]]
        id = "alice"
        plan = "gold"
        keys = [{ id = "alice-1", key_sha256 = "{{Alice.Sha256}}", revoked = {{(aliceRevoked ? "true" : "false")}} }]

        [[consumers]]
        id = "bob"
        enabled = false
        keys = [{ id = "bob-1", key_sha256 = "{{Bob.Sha256}}" }]

        [[consumers]]
        id = "carol"
        keys = [
          { id = "old-1", key_sha256 = "{{Old.Sha256}}", expires_at = 2020-01-01T00:00:00Z },
          { id = "gone-1", key_sha256 = "{{Gone.Sha256}}", revoked = true },
        ]
        """;

    private static async Task<TestGateway> StartAsync(TestUpstream upstream, string routes, string consumers) =>
        await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url)), ("routes.toml", routes), ("consumers.toml", consumers));

    private static async Task<RawResponse> GetAsync(RawClient client, string target, string? key = null, string extraHeaders = "")
    {
        var keyHeader = key is null ? "" : $"X-Api-Key: {key}\r\n";
        await client.SendAsync($"GET {target} HTTP/1.1\r\nHost: api\r\n{keyHeader}{extraHeaders}\r\n");
        return await client.ReadResponseAsync();
    }

    [Fact]
    public async Task Missing_key_is_401_with_a_challenge_and_the_connection_stays_usable()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes(), Consumers());
        using var client = gateway.Connect();

        var refused = await GetAsync(client, "/hello");
        Assert.Equal(401, refused.Status);
        Assert.Equal("ApiKey header=\"X-Api-Key\"", refused.Header("WWW-Authenticate"));
        Assert.Equal("application/json", refused.Header("Content-Type"));
        using (var body = JsonDocument.Parse(refused.Body))
        {
            Assert.Equal("an API key is required", body.RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(0, upstream.Requests);
        var allowed = await GetAsync(client, "/hello", Alice.Key);
        Assert.Equal(200, allowed.Status);
        Assert.Equal("Hello, world!", allowed.BodyText);
    }

    [Theory]
    [InlineData("unknown", 401, "the API key is not valid")]
    [InlineData("expired", 401, "the API key has expired")]
    [InlineData("revoked", 401, "the API key has been revoked")]
    [InlineData("disabled", 403, "the API key's consumer is disabled")]
    public async Task Bad_keys_are_refused_with_a_json_error(string which, int status, string message)
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes(), Consumers());
        using var client = gateway.Connect();
        var key = which switch
        {
            "unknown" => ApiKeyGenerator.Create(DateTimeOffset.UtcNow).Key,
            "expired" => Old.Key,
            "revoked" => Gone.Key,
            _ => Bob.Key,
        };

        var response = await GetAsync(client, "/hello", key);
        Assert.Equal(status, response.Status);
        Assert.False(response.Has("WWW-Authenticate"));
        using var body = JsonDocument.Parse(response.Body);
        Assert.Equal(message, body.RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain(key, response.BodyText, StringComparison.Ordinal);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task The_upstream_sees_the_consumer_never_the_key_nor_a_spoofed_consumer()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes(), Consumers());
        using var client = gateway.Connect();

        var response = await GetAsync(client, "/echo", Alice.Key, "X-Consumer-Id: admin\r\n");
        Assert.Equal(200, response.Status);
        using var echo = JsonDocument.Parse(response.Body);
        var headers = echo.RootElement.GetProperty("headers");
        Assert.Equal("alice", headers.GetProperty("x-consumer-id").GetString());
        Assert.False(headers.TryGetProperty("x-api-key", out _));
        Assert.DoesNotContain(Alice.Key, response.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/echo?api_key={0}", "")]
    [InlineData("/echo?a=1&api_key={0}", "?a=1")]
    [InlineData("/echo?api_key={0}&b=2", "?b=2")]
    [InlineData("/echo?a=1&api_key={0}&b=2", "?a=1&b=2")]
    public async Task A_key_in_the_query_is_accepted_and_cut_from_the_forwarded_target(string target, string forwarded)
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes(), Consumers(settings: "[api_keys]\nquery_parameter = \"api_key\"\n"));
        using var client = gateway.Connect();

        var response = await GetAsync(client, string.Format(System.Globalization.CultureInfo.InvariantCulture, target, Alice.Key));
        Assert.Equal(200, response.Status);
        using var echo = JsonDocument.Parse(response.Body);
        Assert.Equal("/echo", echo.RootElement.GetProperty("path").GetString());
        Assert.Equal(forwarded, echo.RootElement.GetProperty("query").GetString());
        Assert.Equal("alice", echo.RootElement.GetProperty("headers").GetProperty("x-consumer-id").GetString());
    }

    [Fact]
    public async Task Revoking_a_key_takes_effect_within_two_seconds_of_the_file_changing()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes(), Consumers());
        using var client = gateway.Connect();
        Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);

        await gateway.WriteFileAsync("consumers.toml", Consumers(aliceRevoked: true));
        var changed = System.Diagnostics.Stopwatch.StartNew();
        var status = 200;
        while (changed.Elapsed < TimeSpan.FromSeconds(2) && status == 200)
        {
            // The same connection: its remembered key must be looked up again in the new snapshot.
            status = (await GetAsync(client, "/hello", Alice.Key)).Status;
            if (status == 200)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal(401, status);
    }

    [Fact]
    public async Task A_route_limit_answers_429_with_retry_after_and_ietf_headers()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var routes = Routes("rate_limits = [{ name = \"per-route\", scope = \"route\", rate = \"3/min\", burst = 3 }]");
        await using var gateway = await StartAsync(upstream, routes, Consumers());
        using var client = gateway.Connect();

        for (var i = 0; i < 3; i++)
        {
            var allowed = await GetAsync(client, "/hello", Alice.Key);
            Assert.Equal(200, allowed.Status);
            Assert.Equal("\"per-route\";q=3;w=60", allowed.Header("RateLimit-Policy"));
            Assert.StartsWith($"\"per-route\";r={2 - i};t=", allowed.Header("RateLimit"), StringComparison.Ordinal);
        }

        var limited = await GetAsync(client, "/hello", Alice.Key);
        Assert.Equal(429, limited.Status);
        var retryAfter = int.Parse(limited.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 20);
        Assert.StartsWith("\"per-route\";r=0;t=", limited.Header("RateLimit"), StringComparison.Ordinal);
        using (var body = JsonDocument.Parse(limited.Body))
        {
            Assert.Equal("rate limit exceeded", body.RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task Per_ip_limits_apply_without_a_key_and_legacy_headers_are_sent_when_asked()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var routes = """
            [[routes]]
            id = "open"
            cluster = "app"
            path_prefix = "/"
            rate_limits = [{ name = "per-ip", scope = "route_ip", rate = "2/h", burst = 2 }]
            """;
        await using var gateway = await StartAsync(upstream, routes, "[rate_limiting]\nheaders = [\"ietf\", \"legacy\"]\n");
        using var client = gateway.Connect();

        var first = await GetAsync(client, "/hello");
        Assert.Equal(200, first.Status);
        Assert.Equal("2", first.Header("X-RateLimit-Limit"));
        Assert.Equal("1", first.Header("X-RateLimit-Remaining"));
        Assert.Equal(200, (await GetAsync(client, "/hello")).Status);
        var limited = await GetAsync(client, "/hello");
        Assert.Equal(429, limited.Status);
        Assert.Equal("0", limited.Header("X-RateLimit-Remaining"));
        Assert.True(limited.Has("RateLimit-Policy"));
    }

    [Fact]
    public async Task Plan_limits_are_per_consumer()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var carol = ApiKeyGenerator.Create(DateTimeOffset.UtcNow);
        var consumers = $$"""
            [[plans]]
            id = "free"
            rate_limits = [{ name = "free", rate = "2/h", burst = 2 }]

            [[consumers]]
            id = "alice"
            plan = "free"
            keys = [{ key_sha256 = "{{Alice.Sha256}}" }]

            [[consumers]]
            id = "carol"
            plan = "free"
            keys = [{ key_sha256 = "{{carol.Sha256}}" }]
            """;
        await using var gateway = await StartAsync(upstream, Routes(), consumers);
        using var client = gateway.Connect();

        Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);
        Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);
        Assert.Equal(429, (await GetAsync(client, "/hello", Alice.Key)).Status);

        // Another consumer on the same plan has buckets of its own.
        Assert.Equal(200, (await GetAsync(client, "/hello", carol.Key)).Status);
    }

    [Fact]
    public async Task A_reload_that_raises_a_limit_keeps_the_tokens_already_used()
    {
        await using var upstream = await TestUpstream.StartAsync();
        static string Limit(int n) => Routes($"rate_limits = [{{ name = \"per-route\", scope = \"route\", rate = \"{n}/h\", burst = {n} }}]");
        await using var gateway = await StartAsync(upstream, Limit(5), Consumers());
        using var client = gateway.Connect();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);
        }

        var applied = gateway.Host.Store.ReloadsApplied;
        await gateway.WriteFileAsync("routes.toml", Limit(10));
        await ProxyForwardingTests.WaitForAsync(() => Task.FromResult(gateway.Host.Store.ReloadsApplied > applied), seconds: 5);

        // 3 of the old 5 were used: the bucket keeps the use, so 10 - 3 - 1 remain after this request (a reset would say 9).
        var response = await GetAsync(client, "/hello", Alice.Key);
        Assert.Equal("\"per-route\";q=10;w=3600", response.Header("RateLimit-Policy"));
        Assert.StartsWith("\"per-route\";r=6;", response.Header("RateLimit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_exhausted_quota_answers_429_until_the_period_ends_and_usage_is_on_the_admin_port()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Routes(), Consumers(planExtra: "quotas = [{ period = \"day\", limit = 2 }]"));
        using var client = gateway.Connect();

        var first = await GetAsync(client, "/hello", Alice.Key);
        Assert.Equal(200, first.Status);
        Assert.Contains("q=2;w=86400", first.Header("RateLimit-Policy"), StringComparison.Ordinal);
        Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);
        var refused = await GetAsync(client, "/hello", Alice.Key);
        Assert.Equal(429, refused.Status);
        using (var body = JsonDocument.Parse(refused.Body))
        {
            Assert.Equal("quota exceeded", body.RootElement.GetProperty("error").GetString());
        }

        var untilMidnight = (int)Math.Ceiling((DateTimeOffset.UtcNow.Date.AddDays(1) - DateTimeOffset.UtcNow.UtcDateTime).TotalSeconds);
        var retryAfter = int.Parse(refused.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, untilMidnight - 5, untilMidnight + 5);

        using var http = new HttpClient();
        using var usage = JsonDocument.Parse(await http.GetStringAsync($"{gateway.AdminUrl}/usage/alice"));
        Assert.Equal("alice", usage.RootElement.GetProperty("consumer").GetString());
        var day = usage.RootElement.GetProperty("periods").EnumerateArray().Single(p => p.GetProperty("period").GetString() == "day");
        Assert.Equal(2, day.GetProperty("used").GetInt64());
        Assert.Equal(2, day.GetProperty("limit").GetInt64());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"{gateway.AdminUrl}/usage/nobody")).StatusCode);
    }

    [Fact]
    public async Task Quota_counts_survive_a_restart_through_the_quota_store()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "edgeproxy-quota-" + Guid.NewGuid().ToString("N"));
        try
        {
            var consumers = Consumers(
                planExtra: "quotas = [{ period = \"month\", limit = 5 }]",
                settings: $"[quota_store]\ndirectory = \"{data}\"\nsnapshot_interval = \"1h\"\n");
            await using (var first = await StartAsync(upstream, Routes(), consumers))
            {
                using var client = first.Connect();
                for (var i = 0; i < 3; i++)
                {
                    Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);
                }
            }

            // The interval is an hour: only the save on shutdown can have written the counts.
            Assert.True(File.Exists(Path.Combine(data, "quotas.json")));
            await using var second = await StartAsync(upstream, Routes(), consumers);
            using var again = second.Connect();
            Assert.Equal(200, (await GetAsync(again, "/hello", Alice.Key)).Status);
            Assert.Equal(200, (await GetAsync(again, "/hello", Alice.Key)).Status);
            Assert.Equal(429, (await GetAsync(again, "/hello", Alice.Key)).Status);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_corrupt_quota_snapshot_is_set_aside_and_the_gateway_serves()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var data = Path.Combine(Path.GetTempPath(), "edgeproxy-quota-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(data, "quotas.json"), "{ not json");
            var consumers = Consumers(planExtra: "quotas = [{ period = \"day\", limit = 5 }]", settings: $"[quota_store]\ndirectory = \"{data}\"\n");
            await using var gateway = await StartAsync(upstream, Routes(), consumers);
            using var client = gateway.Connect();
            Assert.Equal(200, (await GetAsync(client, "/hello", Alice.Key)).Status);
            Assert.Contains(Directory.GetFiles(data), f => Path.GetFileName(f).StartsWith("quotas.json.corrupt", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Routes_without_policies_are_untouched_but_a_spoofed_consumer_header_is_still_removed()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var routes = "[[routes]]\nid = \"open\"\ncluster = \"app\"\npath_prefix = \"/\"\n";
        await using var gateway = await StartAsync(upstream, routes, Consumers());
        using var client = gateway.Connect();
        var response = await GetAsync(client, "/echo", extraHeaders: "X-Consumer-Id: admin\r\n");
        Assert.Equal(200, response.Status);
        Assert.False(response.Has("RateLimit"));
        using var echo = JsonDocument.Parse(response.Body);
        Assert.False(echo.RootElement.GetProperty("headers").TryGetProperty("x-consumer-id", out _));
    }
}
