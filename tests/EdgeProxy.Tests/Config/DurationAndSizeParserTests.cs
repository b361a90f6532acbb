using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

public sealed class DurationAndSizeParserTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("10s", 10_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0s", 0)]
    [InlineData("1h1ms", 3_600_001)]
    public void Durations_parse(string text, long milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("s")]
    [InlineData("10 s")]
    [InlineData("-1s")]
    [InlineData("1.5s")]
    [InlineData("10S")]
    [InlineData("3d")]
    [InlineData("10sec")]
    [InlineData("99999999999999999999h")]
    [InlineData("9999999999999h")]
    public void Bad_durations_are_rejected(string text)
    {
        Assert.False(DurationParser.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(250, "250ms")]
    [InlineData(90_000, "1m30s")]
    [InlineData(3_600_000, "1h")]
    [InlineData(-5_000, "-5s")]
    public void Durations_format_back(long milliseconds, string text)
    {
        Assert.Equal(text, DurationParser.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData("0", 0)]
    [InlineData("512B", 512)]
    [InlineData("64KiB", 64 * 1024)]
    [InlineData("10MiB", 10L * 1024 * 1024)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("1KB", 1000)]
    [InlineData("5MB", 5_000_000)]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("64kib", 64 * 1024)]
    [InlineData("10 MiB", 10L * 1024 * 1024)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(SizeParser.TryParse(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("KiB")]
    [InlineData("-1")]
    [InlineData("1.5MiB")]
    [InlineData("10XB")]
    [InlineData("10 ")]
    [InlineData("10  MiB")]
    [InlineData("10MiBs")]
    [InlineData("99999999999TiB")]
    [InlineData("99999999999999999999")]
    public void Bad_sizes_are_rejected(string text)
    {
        Assert.False(SizeParser.TryParse(text, out _));
    }

    [Theory]
    [InlineData(10L * 1024 * 1024, "10MiB")]
    [InlineData(1500, "1500")]
    [InlineData(0, "0")]
    public void Sizes_format_back(long bytes, string text)
    {
        Assert.Equal(text, SizeParser.Format(bytes));
    }

    [Fact]
    public void Integer_values_in_toml_are_seconds_and_bytes()
    {
        var result = ConfigAssert.LoadWithMinimal("[limits]\nheader_timeout = 7\nmax_body = 2048\n");

        var config = ConfigAssert.Valid(result);
        Assert.Equal(TimeSpan.FromSeconds(7), config.Limits.HeaderTimeout);
        Assert.Equal(2048, config.Limits.MaxBodyBytes);
    }
}
