using System.Text;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

/// <summary>The per-request step over a route's and a plan's limits, compiled from TOML.</summary>
public sealed class RateLimitEvaluatorTests
{
    private const string Config = """
        [[listeners]]
        name = "public"
        listen = "127.0.0.1:8080"

        [[clusters]]
        id = "backend"
        endpoints = ["http://127.0.0.1:9001"]

        [[routes]]
        id = "api"
        cluster = "backend"
        path_prefix = "/api"
        auth = "api_key"
        rate_limits = [
          { name = "per-ip", scope = "route_ip", rate = "100/s" },
          { name = "shadow", scope = "route", rate = "1/h", mode = "shadow" },
          { name = "per-consumer", scope = "route_consumer", rate = "2/min" },
        ]

        [[routes]]
        id = "other"
        cluster = "backend"
        path_prefix = "/other"
        rate_limits = [{ name = "per-ip", scope = "route_ip", rate = "100/s" }]

        [[plans]]
        id = "gold"
        rate_limits = [{ name = "plan-burst", rate = "3/min" }]
        """;

    private static (CompiledRateLimits Limits, RateLimiterTable Table, VirtualClock Clock) Compile(string toml = Config)
    {
        var result = ConfigLoader.LoadFiles([("t.toml", toml)]);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var clock = new VirtualClock();
        var table = new RateLimiterTable(1000, clock);
        return (CompiledRateLimits.Compile(result.Config!, table), table, clock);
    }

    [Fact]
    public void Compiles_per_route_and_per_plan_with_stable_identities()
    {
        var (limits, table, _) = Compile();

        Assert.Equal(["route_ip/api/per-ip", "route/api/shadow", "route_consumer/api/per-consumer"], limits.Routes[0].Select(l => l.Identity));
        Assert.Equal(["route_ip/other/per-ip"], limits.Routes[1].Select(l => l.Identity));
        Assert.Equal(["plan/gold/plan-burst"], limits.Plans[0].Select(l => l.Identity));
        Assert.Equal(RateLimitPartition.ClientAddress, limits.Routes[0][0].Partition);
        Assert.Equal(RateLimitPartition.None, limits.Routes[0][1].Partition);
        Assert.Equal(RateLimitPartition.Consumer, limits.Plans[0][0].Partition);
        Assert.Equal(4, limits.MaxPerRequest);
        Assert.Equal(5, limits.All.Length);
        Assert.Equal(100_000, table.Capacity); // [rate_limiting] max_buckets (default) replaces the constructor's bound
    }

    [Fact]
    public void Recompiling_the_same_config_reuses_every_limit()
    {
        var (first, table, _) = Compile();
        var result = ConfigLoader.LoadFiles([("t.toml", Config)]);

        var second = CompiledRateLimits.Compile(result.Config!, table);

        Assert.All(first.All.Zip(second.All), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void Refused_requests_give_back_the_tokens_other_limits_took_and_shadow_limits_never_refuse()
    {
        var (limits, _, clock) = Compile();
        var ip = new byte[] { 10, 0, 0, 1 };
        var consumer = "acme"u8.ToArray();
        var statuses = new LimitStatus[8];

        // 2 per minute for the consumer on the route, 3 per minute on the plan; the shadow limit (1/h) is over
        // from the second request on but only counts.
        var verdicts = new List<RateLimitVerdict>();
        for (var i = 0; i < 4; i++)
        {
            verdicts.Add(RateLimitEvaluator.Evaluate(limits.Routes[0], limits.Plans[0], ip, consumer, clock.Now, statuses));
        }

        Assert.Equal([true, true, false, false], verdicts.Select(v => v.Allowed));
        Assert.Same(limits.Routes[0][2], verdicts[2].RefusedBy);
        Assert.Equal(3, verdicts[2].StatusCount);
        Assert.Equal(30 * clock.TimestampFrequency, verdicts[2].RetryAfterTicks, tolerance: 1);

        // Refused requests took nothing: the plan still has 1 of 3, the per-IP bucket 98 of 100.
        var plan = limits.Plans[0][0];
        Assert.Equal(1, plan.Table.Available(plan, consumer, clock.Now));
        Assert.Equal(98, limits.Routes[0][0].Table.Available(limits.Routes[0][0], ip, clock.Now));

        var shadow = limits.Routes[0][1].Counters;
        Assert.Equal((4L, 1L, 3L, 0L), (shadow.Evaluated, shadow.Allowed, shadow.Limited, shadow.Enforced));
        var perConsumer = limits.Routes[0][2].Counters;
        Assert.Equal((4L, 2L, 2L, 2L), (perConsumer.Evaluated, perConsumer.Allowed, perConsumer.Limited, perConsumer.Enforced));

        // The statuses of the refused request, in header terms.
        Assert.Equal("\"per-consumer\"", Encoding.ASCII.GetString(statuses[2].Name));
        Assert.Equal((2L, 60L, 0L, 30L, true), (statuses[2].Quota, statuses[2].WindowSeconds, statuses[2].Remaining, statuses[2].ResetSeconds, statuses[2].Limited));
    }

    [Theory]
    [InlineData("100/s", 100, 1)]
    [InlineData("6000/min", 6000, 60)]
    [InlineData("5/10s", 5, 10)]
    [InlineData("3/250ms", 12, 1)]
    [InlineData("7/1500ms", 9, 2)]
    public void Policy_quota_and_window_are_whole_seconds(string rate, long quota, long window)
    {
        Assert.True(RateParser.TryParse(rate, out var tokens, out var period));
        var limit = new RateLimiterTable(10).Define("route/r/l", new RateLimitConfig { Name = "l", Tokens = tokens, Period = period, Burst = tokens });

        Assert.Equal((quota, window), (limit.HeaderQuota, limit.WindowSeconds));
    }

    [Fact]
    public void Consumer_limits_do_not_apply_to_anonymous_requests()
    {
        var (limits, _, clock) = Compile();
        var statuses = new LimitStatus[8];

        var verdict = RateLimitEvaluator.Evaluate(limits.Routes[0], [], [1, 2, 3, 4], [], clock.Now, statuses);

        Assert.True(verdict.Allowed);
        Assert.Equal(2, verdict.StatusCount);
        Assert.Equal(0, limits.Routes[0][2].Counters.Evaluated);
    }

    [Fact]
    public void A_status_span_shorter_than_the_limits_still_evaluates_them_all()
    {
        var (limits, _, clock) = Compile();

        var verdict = RateLimitEvaluator.Evaluate(limits.Routes[0], limits.Plans[0], [1, 2, 3, 4], "c"u8, clock.Now, Span<LimitStatus>.Empty);

        Assert.True(verdict.Allowed);
        Assert.Equal(0, verdict.StatusCount);
        Assert.Equal(1, limits.Plans[0][0].Counters.Evaluated);
    }
}
