using System.Text;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

/// <summary>
/// The policy steps on the request path allocate nothing (STYLE pattern 16): bytes allocated on this thread
/// over many operations, after a warm-up. Release builds must show zero; Debug builds get slack.
/// </summary>
[Collection("memory")]
public sealed class PolicyAllocationTests
{
    private const int Operations = 100_000;

    private static bool IsDebugBuild =>
        typeof(TokenBucket).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().Any(a => a.IsJITOptimizerDisabled);

    private static void AssertAllocatesNothing(string what, Action operation)
    {
        for (var i = 0; i < 1000; i++)
        {
            operation();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Operations; i++)
        {
            operation();
        }

        var perOperation = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Operations;
        Assert.True(perOperation < (IsDebugBuild ? 64 : 1), $"{what}: {perOperation:F3} B allocated per operation");
    }

    [Fact]
    public void Token_bucket_take_allocates_nothing()
    {
        var clock = new VirtualClock();
        var bucket = new TokenBucket(TokenBucketRate.Create(1000, TimeSpan.FromSeconds(1), 100, clock.TimestampFrequency), clock.Now);

        AssertAllocatesNothing("TokenBucket.Take", () =>
        {
            clock.Advance(1000);
            bucket.Take(clock.Now);
        });
    }

    [Fact]
    public void Table_take_of_an_existing_bucket_allocates_nothing()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(10_000, clock);
        var limit = table.Define("ip/l", new RateLimitConfig { Name = "l", Scope = RateLimitScope.Ip, Tokens = 100, Period = TimeSpan.FromSeconds(1), Burst = 100 });
        var ips = Enumerable.Range(0, 1000).Select(i => new byte[] { 10, 0, (byte)(i >> 8), (byte)i }).ToArray();
        var n = 0;

        AssertAllocatesNothing("RateLimiterTable.Take (existing key)", () => limit.Take(ips[n++ % ips.Length], clock.Now));
    }

    [Fact]
    public void Evaluating_a_route_and_plan_and_writing_the_headers_allocates_nothing()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(10_000, clock);
        RateLimitConfig Config(string name, RateLimitScope scope) => new() { Name = name, Scope = scope, Tokens = 1_000_000, Period = TimeSpan.FromSeconds(1), Burst = 1_000_000 };
        RateLimit[] route = [table.Define("route_ip/r/a", Config("a", RateLimitScope.RouteIp)), table.Define("route/r/b", Config("b", RateLimitScope.Route))];
        RateLimit[] plan = [table.Define("plan/p/c", Config("c", RateLimitScope.Consumer))];
        var statuses = new LimitStatus[4];
        var buffer = new byte[512];
        byte[] ip = [192, 168, 1, 1];
        var consumer = "acme"u8.ToArray();

        AssertAllocatesNothing("RateLimitEvaluator.Evaluate + RateLimitHeaders.TryWrite", () =>
        {
            var verdict = RateLimitEvaluator.Evaluate(route, plan, ip, consumer, clock.Now, statuses);
            RateLimitHeaders.TryWrite(buffer, statuses.AsSpan(0, verdict.StatusCount), RateLimitHeaderFormats.Ietf | RateLimitHeaderFormats.Legacy, out _);
        });
    }

    [Fact]
    public void Key_lookup_among_a_hundred_thousand_consumers_allocates_nothing()
    {
        var store = ApiKeyStoreTests.BuildLarge(100_000);
        var now = DateTimeOffset.UtcNow;
        var keys = Enumerable.Range(0, 1000).Select(i => Encoding.ASCII.GetBytes(ApiKeyStoreTests.LargeKey(i * 97))).Append("epk_unknown"u8.ToArray()).ToArray();
        var n = 0;

        AssertAllocatesNothing("ApiKeyStore.Lookup", () => store.Lookup(keys[n++ % keys.Length], now));
    }

    [Fact]
    public void Memoized_key_lookup_allocates_nothing()
    {
        var store = ApiKeyStoreTests.BuildLarge(1000);
        var memo = new ApiKeyMemo();
        var key = Encoding.ASCII.GetBytes(ApiKeyStoreTests.LargeKey(7));
        var other = Encoding.ASCII.GetBytes(ApiKeyStoreTests.LargeKey(8));
        var now = DateTimeOffset.UtcNow;
        var n = 0;

        AssertAllocatesNothing("ApiKeyMemo.Lookup", () => memo.Lookup(store, n++ % 16 == 0 ? other : key, now));
    }

    [Fact]
    public void Quota_consume_allocates_nothing()
    {
        var counters = new QuotaCounters();
        QuotaRule[] rules = [new(QuotaPeriod.Day, ConsumerQuota.CountMask), new(QuotaPeriod.Month, ConsumerQuota.CountMask)];
        var statuses = new LimitStatus[4];
        var now = new DateTimeOffset(2025, 5, 5, 12, 0, 0, TimeSpan.Zero);
        counters.For("acme");

        AssertAllocatesNothing("QuotaCounters.For + ConsumerQuota.TryConsume", () => counters.For("acme").TryConsume(rules, now, statuses));
    }

    [Fact]
    public void Client_address_key_allocates_nothing()
    {
        var v4 = System.Net.IPAddress.Parse("203.0.113.9");
        var v6 = System.Net.IPAddress.Parse("2001:db8:1:2:3:4:5:6");
        var mapped = v4.MapToIPv6();
        var buffer = new byte[ClientAddressKey.MaxLength];

        Assert.Equal(4, ClientAddressKey.Write(v4, buffer));
        Assert.Equal(new byte[] { 203, 0, 113, 9 }, buffer[..4]);
        Assert.Equal(4, ClientAddressKey.Write(mapped, buffer));
        Assert.Equal(new byte[] { 203, 0, 113, 9 }, buffer[..4]);
        Assert.Equal(8, ClientAddressKey.Write(v6, buffer));
        Assert.Equal(new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2 }, buffer[..8]);
        Assert.Equal(0, ClientAddressKey.Write(null, buffer));
        AssertAllocatesNothing("ClientAddressKey.Write", () => ClientAddressKey.Write(v6, buffer));
    }
}
