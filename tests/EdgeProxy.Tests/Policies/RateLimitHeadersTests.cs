using System.Text;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

public sealed class RateLimitHeadersTests
{
    private static readonly LimitStatus PerIp = new(Encoding.ASCII.GetBytes("\"per-ip\""), 100, 1, 42, 1, limited: false);
    private static readonly LimitStatus Day = new(Encoding.ASCII.GetBytes("\"quota-day\""), 10000, 86400, 9000, 3600, limited: false);
    private static readonly LimitStatus Refused = new(Encoding.ASCII.GetBytes("\"per-consumer\""), 2, 60, 0, 30, limited: true);

    private static string Write(LimitStatus[] statuses, RateLimitHeaderFormats formats)
    {
        var buffer = new byte[RateLimitHeaders.MaxLength(statuses, formats)];
        Assert.True(RateLimitHeaders.TryWrite(buffer, statuses, formats, out var written));
        return Encoding.ASCII.GetString(buffer, 0, written);
    }

    [Fact]
    public void Ietf_headers_list_every_policy_as_structured_fields()
    {
        Assert.Equal(
            "RateLimit-Policy: \"per-ip\";q=100;w=1, \"quota-day\";q=10000;w=86400\r\n" +
            "RateLimit: \"per-ip\";r=42;t=1, \"quota-day\";r=9000;t=3600\r\n",
            Write([PerIp, Day], RateLimitHeaderFormats.Ietf));
    }

    [Fact]
    public void Legacy_headers_report_the_most_restrictive_limit()
    {
        Assert.Equal(
            "X-RateLimit-Limit: 100\r\nX-RateLimit-Remaining: 42\r\nX-RateLimit-Reset: 1\r\n",
            Write([Day, PerIp], RateLimitHeaderFormats.Legacy));
        Assert.Equal(
            "X-RateLimit-Limit: 2\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 30\r\n",
            Write([PerIp, Refused, Day], RateLimitHeaderFormats.Legacy));
    }

    [Fact]
    public void Both_formats_none_and_nothing_to_report()
    {
        var both = Write([Refused], RateLimitHeaderFormats.Ietf | RateLimitHeaderFormats.Legacy);

        Assert.Equal(
            "RateLimit-Policy: \"per-consumer\";q=2;w=60\r\nRateLimit: \"per-consumer\";r=0;t=30\r\n" +
            "X-RateLimit-Limit: 2\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: 30\r\n", both);
        Assert.Equal("", Write([Refused], RateLimitHeaderFormats.None));
        Assert.Equal("", Write([], RateLimitHeaderFormats.Ietf));
    }

    [Fact]
    public void A_buffer_too_small_is_reported_not_overrun()
    {
        var buffer = new byte[40];

        Assert.False(RateLimitHeaders.TryWrite(buffer, [PerIp, Day], RateLimitHeaderFormats.Ietf, out _));
        Assert.False(RateLimitHeaders.TryWriteRetryAfter(buffer.AsSpan(0, 5), 3, out _));
    }

    [Fact]
    public void Retry_after_is_at_least_one_second()
    {
        var buffer = new byte[32];

        Assert.True(RateLimitHeaders.TryWriteRetryAfter(buffer, 0, out var written));
        Assert.Equal("Retry-After: 1\r\n", Encoding.ASCII.GetString(buffer, 0, written));
        Assert.True(RateLimitHeaders.TryWriteRetryAfter(buffer, 86400, out written));
        Assert.Equal("Retry-After: 86400\r\n", Encoding.ASCII.GetString(buffer, 0, written));
    }

    [Fact]
    public void Statuses_round_seconds_up()
    {
        Assert.Equal(0, LimitStatus.CeilingSeconds(0, 1000));
        Assert.Equal(1, LimitStatus.CeilingSeconds(1, 1000));
        Assert.Equal(1, LimitStatus.CeilingSeconds(1000, 1000));
        Assert.Equal(2, LimitStatus.CeilingSeconds(1001, 1000));
        Assert.Equal(365L * 24 * 3600, LimitStatus.CeilingSeconds(long.MaxValue, 1000));
    }
}
