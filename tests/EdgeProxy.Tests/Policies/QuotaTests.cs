using System.Text;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

/// <summary>Quota counting on UTC calendar periods.</summary>
public sealed class QuotaTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Theory]
    [InlineData(QuotaPeriod.Minute, "2025-01-31T23:59:59.9999999Z", "2025-01-31T23:59:00Z", "2025-02-01T00:00:00Z")]
    [InlineData(QuotaPeriod.Hour, "2025-01-31T23:59:59Z", "2025-01-31T23:00:00Z", "2025-02-01T00:00:00Z")]
    [InlineData(QuotaPeriod.Day, "2025-01-31T23:59:59Z", "2025-01-31T00:00:00Z", "2025-02-01T00:00:00Z")]
    [InlineData(QuotaPeriod.Month, "2025-01-31T23:59:59Z", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z")]
    [InlineData(QuotaPeriod.Month, "2024-02-29T12:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")]
    [InlineData(QuotaPeriod.Month, "2025-12-31T23:59:59Z", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z")]
    [InlineData(QuotaPeriod.Day, "2025-07-01T01:30:00+02:00", "2025-06-30T00:00:00Z", "2025-07-01T00:00:00Z")]
    public void Periods_are_utc_calendar_aligned(QuotaPeriod period, string at, string start, string end)
    {
        var now = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        var index = QuotaPeriods.Index(period, now);

        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), QuotaPeriods.Start(period, index));
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), QuotaPeriods.End(period, index));
    }

    [Fact]
    public void Window_lengths_follow_the_calendar()
    {
        Assert.Equal(29 * 86400, QuotaPeriods.WindowSeconds(QuotaPeriod.Month, Utc(2024, 2, 10)));
        Assert.Equal(31 * 86400, QuotaPeriods.WindowSeconds(QuotaPeriod.Month, Utc(2025, 1, 10)));
        Assert.Equal(86400, QuotaPeriods.WindowSeconds(QuotaPeriod.Day, Utc(2025, 1, 10)));
        Assert.Equal(1, QuotaPeriods.SecondsUntilEnd(QuotaPeriod.Month, Utc(2025, 1, 31, 23, 59, 59)));
        Assert.Equal(60, QuotaPeriods.SecondsUntilEnd(QuotaPeriod.Minute, Utc(2025, 1, 31, 23, 59, 0)));
    }

    [Fact]
    public void A_monthly_quota_resets_at_the_month_boundary_in_utc()
    {
        var quota = new ConsumerQuota("acme");
        QuotaRule[] rules = [new(QuotaPeriod.Month, 3)];
        var statuses = new LimitStatus[4];
        var lastSecondOfJanuary = Utc(2025, 1, 31, 23, 59, 59);

        Assert.True(quota.TryConsume(rules, Utc(2025, 1, 1), statuses).Allowed);
        Assert.True(quota.TryConsume(rules, Utc(2025, 1, 15), statuses).Allowed);
        var third = quota.TryConsume(rules, lastSecondOfJanuary, statuses);
        Assert.True(third.Allowed);
        Assert.Equal(1, third.StatusCount);
        Assert.Equal(("\"quota-month\"", 3L, 31L * 86400, 0L, 1L), (Encoding.ASCII.GetString(statuses[0].Name), statuses[0].Quota, statuses[0].WindowSeconds, statuses[0].Remaining, statuses[0].ResetSeconds));

        var refused = quota.TryConsume(rules, lastSecondOfJanuary.AddTicks(TimeSpan.TicksPerSecond - 1), statuses);
        Assert.False(refused.Allowed);
        Assert.Equal(QuotaPeriod.Month, refused.Exhausted);
        Assert.Equal(1, refused.ResetSeconds);
        Assert.True(statuses[0].Limited);

        // 00:00 UTC on 1 February, written in a UTC-5 zone as 31 January 19:00: a new month.
        var february = new DateTimeOffset(2025, 1, 31, 19, 0, 0, TimeSpan.FromHours(-5));
        Assert.True(quota.TryConsume(rules, february, statuses).Allowed);
        Assert.Equal(1, quota.Used(QuotaPeriod.Month, february));
        Assert.Equal(0, quota.Used(QuotaPeriod.Month, lastSecondOfJanuary.AddMonths(2)));
    }

    [Fact]
    public void Every_period_is_counted_for_usage_and_a_refused_request_counts_nowhere()
    {
        var quota = new ConsumerQuota("acme");
        QuotaRule[] rules = [new(QuotaPeriod.Minute, 2), new(QuotaPeriod.Day, 1000)];
        var now = Utc(2025, 5, 5, 10, 30, 15);

        Assert.True(quota.TryConsume(rules, now, []).Allowed);
        Assert.True(quota.TryConsume(rules, now, []).Allowed);
        var refused = quota.TryConsume(rules, now, []);
        Assert.False(refused.Allowed);
        Assert.Equal(QuotaPeriod.Minute, refused.Exhausted);
        Assert.Equal(45, refused.ResetSeconds);

        foreach (var period in Enum.GetValues<QuotaPeriod>())
        {
            Assert.Equal(2, quota.Used(period, now));
        }

        // The next minute: the minute quota is fresh, the day keeps counting.
        var next = now.AddSeconds(45);
        Assert.True(quota.TryConsume(rules, next, []).Allowed);
        Assert.Equal((1L, 3L, 3L, 3L), (quota.Used(QuotaPeriod.Minute, next), quota.Used(QuotaPeriod.Hour, next), quota.Used(QuotaPeriod.Day, next), quota.Used(QuotaPeriod.Month, next)));
    }

    [Fact]
    public void A_later_period_refusal_takes_back_the_earlier_counts()
    {
        var quota = new ConsumerQuota("acme");
        var now = Utc(2025, 5, 5);
        QuotaRule[] rules = [new(QuotaPeriod.Month, 1)];
        Assert.True(quota.TryConsume(rules, now, []).Allowed);

        Assert.False(quota.TryConsume(rules, now, []).Allowed);

        Assert.Equal(1, quota.Used(QuotaPeriod.Minute, now));
        Assert.Equal(1, quota.Used(QuotaPeriod.Day, now));
    }

    [Fact]
    public void Concurrent_consumers_of_one_quota_get_exactly_the_limit()
    {
        var quota = new ConsumerQuota("acme");
        QuotaRule[] rules = [new(QuotaPeriod.Day, 123_456)];
        var now = Utc(2025, 5, 5, 12);
        long allowed = 0;
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                if (quota.TryConsume(rules, now, []).Allowed)
                {
                    Interlocked.Increment(ref allowed);
                }
            }
        });

        Assert.Equal(123_456, allowed);
        Assert.Equal(123_456, quota.Used(QuotaPeriod.Day, now));
        Assert.Equal(123_456, quota.Used(QuotaPeriod.Minute, now));
    }

    [Fact]
    public void A_caller_with_a_slightly_older_clock_counts_into_the_new_period_rather_than_resetting_it()
    {
        var quota = new ConsumerQuota("acme");
        QuotaRule[] rules = [new(QuotaPeriod.Minute, 100)];
        var newMinute = Utc(2025, 5, 5, 12, 1);
        quota.TryConsume(rules, newMinute, []);
        quota.TryConsume(rules, newMinute, []);

        quota.TryConsume(rules, newMinute.AddTicks(-1), []);

        Assert.Equal(3, quota.Used(QuotaPeriod.Minute, newMinute));
    }

    [Fact]
    public void Usage_report_for_the_admin_port()
    {
        var counters = new QuotaCounters();
        var now = Utc(2025, 5, 5, 12, 0, 30);
        QuotaRule[] rules = [new(QuotaPeriod.Day, 10)];
        counters.For("acme").TryConsume(rules, now, []);

        var usage = counters.Usage("acme", rules, now);
        var json = System.Text.Json.JsonSerializer.Serialize(usage, QuotaJsonContext.Default.ConsumerUsage);

        Assert.Equal(
            """{"consumer":"acme","at":"2025-05-05T12:00:30+00:00","periods":[{"period":"minute","start":"2025-05-05T12:00:00+00:00","resets_at":"2025-05-05T12:01:00+00:00","used":1},{"period":"hour","start":"2025-05-05T12:00:00+00:00","resets_at":"2025-05-05T13:00:00+00:00","used":1},{"period":"day","start":"2025-05-05T00:00:00+00:00","resets_at":"2025-05-06T00:00:00+00:00","used":1,"limit":10},{"period":"month","start":"2025-05-01T00:00:00+00:00","resets_at":"2025-06-01T00:00:00+00:00","used":1}]}""",
            json);
        Assert.Equal(0, counters.Usage("nobody", rules, now).Periods[2].Used);
    }
}
