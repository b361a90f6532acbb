using System.Diagnostics;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;
using EdgeProxy.Tests.Functional;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Cluster;

/// <summary>
/// Cluster mode over a real redis-server: two gateway instances (each with its own buckets, counters and Redis
/// connection, as two processes would have) share quotas and shared rate limits, and keep serving when Redis dies.
/// </summary>
[Collection("redis")]
public sealed class ClusterModeTests
{
    private const int SyncMs = 50;
    private static readonly GeneratedApiKey Key = ApiKeyGenerator.Create(DateTimeOffset.UtcNow);

    private static string Config(string redis, string planExtra, string routeExtra = "") => $$"""
        [cluster]
        redis = "{{redis}}"
        sync_interval = "{{SyncMs}}ms"
        lease = 5
        key_prefix = "test-{{Guid.NewGuid():N}}"

        [[routes]]
        id = "shared"
        cluster = "app"
        path_prefix = "/"
        auth = "api_key"
        {{routeExtra}}

        [[plans]]
        id = "shared"
        {{planExtra}}

        [[consumers]]
        id = "alice"
        plan = "shared"
        keys = [{ key_sha256 = "{{Key.Sha256}}" }]
        """;

    private static async Task<(TestGateway A, TestGateway B)> StartPairAsync(TestUpstream upstream, string config)
    {
        var main = TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url));
        var a = await TestGateway.StartAsync(main, ("cluster.toml", config));
        var b = await TestGateway.StartAsync(main, ("cluster.toml", config));
        foreach (var gateway in new[] { a, b })
        {
            await ProxyForwardingTests.WaitForAsync(() => Task.FromResult(gateway.Host.Cluster!.RedisUp == true), seconds: 10);
        }

        return (a, b);
    }

    private static async Task<int> GetAsync(RawClient client)
    {
        await client.SendAsync($"GET /hello HTTP/1.1\r\nHost: a\r\nX-Api-Key: {Key.Key}\r\n\r\n");
        var response = await client.ReadResponseAsync();
        LastRefusal = response.Status == 200 ? LastRefusal : $"{response.Status} {response.BodyText} {response.Header("RateLimit")}";
        return response.Status;
    }

    private static string? LastRefusal { get; set; }

    [Fact]
    public async Task A_quota_is_one_budget_across_two_gateways_exactly_when_requests_are_slower_than_the_sync()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await TestUpstream.StartAsync();
        var config = Config(redis.Endpoint, "quotas = [{ period = \"day\", limit = 10 }]");
        var (a, b) = await StartPairAsync(upstream, config);
        await using (a)
        await using (b)
        {
            using var toA = a.Connect();
            using var toB = b.Connect();
            var allowed = 0;
            for (var i = 0; i < 16; i++)
            {
                if (await GetAsync(i % 2 == 0 ? toA : toB) == 200)
                {
                    allowed++;
                }

                // Two completed exchanges on each side: a whole sync cycle after the request, so each gateway knows
                // the other's count (waiting on the exchanges, not a clock, keeps this exact on a busy machine).
                await WaitForSyncsAsync(a, b);
            }

            Assert.Equal(10, allowed);
        }
    }

    [Fact]
    public async Task Under_concurrent_load_two_gateways_overshoot_a_quota_by_no_more_than_the_documented_bound()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await TestUpstream.StartAsync();
        const int Limit = 100;
        var (a, b) = await StartPairAsync(upstream, Config(redis.Endpoint, $"quotas = [{{ period = \"day\", limit = {Limit} }}]"));
        await using (a)
        await using (b)
        {
            var duration = TimeSpan.FromSeconds(1.5);
            a.Host.Cluster!.ResetLongestGap();
            b.Host.Cluster!.ResetLongestGap();
            var results = await Task.WhenAll(HammerAsync(a, duration), HammerAsync(b, duration));
            var allowed = results.Sum(r => r.Allowed);
            var ratePerInstance = results.Max(r => r.Sent / duration.TotalSeconds);

            // ClusterSync's bound: (N - 1) x r x (I + T), N = 2, with I + T as it really was: the longest time between
            // two completed exchanges on either gateway (a busy machine stretches the configured interval).
            var gap = Math.Max(a.Host.Cluster.LongestGap.TotalSeconds, b.Host.Cluster.LongestGap.TotalSeconds);
            var bound = (int)Math.Ceiling(1 * ratePerInstance * gap);
            Assert.True(allowed >= Limit, $"{allowed} allowed: the budget was not used up ({results[0].Sent + results[1].Sent} sent)");
            Assert.True(allowed <= Limit + bound, $"{allowed} allowed against a limit of {Limit}; bound {Limit + bound} at {ratePerInstance:F0} req/s per instance, sync gap {gap * 1000:F0} ms");

            // Once the counts have met in Redis, nobody is admitted any more, on either side.
            await WaitForSyncsAsync(a, b);
            using var late = a.Connect();
            Assert.Equal(429, await GetAsync(late));
        }
    }

    [Fact]
    public async Task A_shared_rate_limit_admits_about_its_rate_across_two_gateways_not_twice_it()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await TestUpstream.StartAsync();
        var route = "rate_limits = [{ name = \"shared\", scope = \"route\", rate = \"30/h\", burst = 30, cluster = true }]";
        var (a, b) = await StartPairAsync(upstream, Config(redis.Endpoint, "", route));
        await using (a)
        await using (b)
        {
            var results = await Task.WhenAll(HammerAsync(a, TimeSpan.FromSeconds(1)), HammerAsync(b, TimeSpan.FromSeconds(1)));
            var allowed = results.Sum(r => r.Allowed);

            // Local limits alone would admit 60 (30 per gateway). Shared: 30, less what sits unspent in the two
            // leases (at most 2 x lease = 10), plus what the gateways decided locally while a lease was on its way.
            var local = a.Host.Store.Policies.SharedLimits.LocalAdmissions + b.Host.Store.Policies.SharedLimits.LocalAdmissions;
            Assert.True(allowed >= 20 && allowed <= 30 + local, $"{allowed} allowed, {local} decided locally");
        }
    }

    [Fact]
    public async Task When_redis_dies_requests_keep_succeeding_on_local_limits_and_sync_resumes_when_it_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await TestUpstream.StartAsync();
        var (a, b) = await StartPairAsync(upstream, Config(redis.Endpoint, "quotas = [{ period = \"day\", limit = 100000 }]",
            "rate_limits = [{ name = \"shared\", scope = \"route_consumer\", rate = \"100000/s\", cluster = true }]"));
        await using (a)
        await using (b)
        {
            using var client = a.Connect();
            Assert.Equal(200, await GetAsync(client));
            await redis.StopAsync();

            var watch = Stopwatch.StartNew();
            while (a.Host.Cluster!.RedisUp != false && watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                Assert.True(await GetAsync(client) == 200, LastRefusal);
            }

            Assert.False(a.Host.Cluster.RedisUp);
            for (var i = 0; i < 50; i++)
            {
                Assert.True(await GetAsync(client) == 200, LastRefusal);
            }

            await redis.StartAgainAsync();
            await ProxyForwardingTests.WaitForAsync(() => Task.FromResult(a.Host.Cluster.RedisUp == true), seconds: 15);
            Assert.Equal(200, await GetAsync(client));

            // The counts of the outage were merged into Redis: the other gateway sees them (once it counts this consumer).
            using var toB = b.Connect();
            Assert.Equal(200, await GetAsync(toB));
            var used = 0L;
            await ProxyForwardingTests.WaitForAsync(async () =>
            {
                using var http = new HttpClient();
                var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"{b.AdminUrl}/usage/alice"));
                used = json.RootElement.GetProperty("periods").EnumerateArray()
                    .Single(p => p.GetProperty("period").GetString() == "day").GetProperty("used").GetInt64();
                return used >= 53;
            }, seconds: 10);
            Assert.True(used >= 53, $"gateway B sees {used} used");
        }
    }

    private static async Task WaitForSyncsAsync(TestGateway a, TestGateway b)
    {
        var (startA, startB) = (a.Host.Cluster!.QuotaSyncs, b.Host.Cluster!.QuotaSyncs);
        await ProxyForwardingTests.WaitForAsync(
            () => Task.FromResult(a.Host.Cluster.QuotaSyncs >= startA + 2 && b.Host.Cluster.QuotaSyncs >= startB + 2), seconds: 10);
    }

    private static async Task<(int Allowed, int Sent)> HammerAsync(TestGateway gateway, TimeSpan duration)
    {
        using var client = gateway.Connect();
        var watch = Stopwatch.StartNew();
        int allowed = 0, sent = 0;
        while (watch.Elapsed < duration)
        {
            var status = await GetAsync(client);
            sent++;
            if (status == 200)
            {
                allowed++;
            }
            else
            {
                Assert.Equal(429, status);
            }
        }

        return (allowed, sent);
    }
}
