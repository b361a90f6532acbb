namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>The <c>--analytics-*</c> command-line options of edgeproxy-manager.</summary>
public sealed class AnalyticsOptionsTests
{
    [Fact]
    public void Analytics_options_set_the_secret_and_retention_and_bad_values_are_refused_with_the_option_named()
    {
        var (options, error) = ManagerOptions.Parse(["--config", "c", "--data", "d", "--analytics-secret", "0123456789abcdef-secret",
            "--analytics-minute-days", "3", "--analytics-hour-days", "90", "--analytics-error-days", "2"]);
        Assert.Null(error);
        Assert.Equal(("0123456789abcdef-secret", 3, 90, 2), (options!.Analytics.Secret, options.Analytics.MinuteDays, options.Analytics.HourDays, options.Analytics.ErrorSampleDays));

        Assert.Equal("--analytics-secret must be at least 16 characters", ManagerOptions.Parse(["--config", "c", "--data", "d", "--analytics-secret", "short"]).Error);
        Assert.Equal("--analytics-minute-days 'zero' is not a number of days (1…10000)", ManagerOptions.Parse(["--config", "c", "--data", "d", "--analytics-minute-days", "zero"]).Error);
        Assert.Contains("--analytics-secret", ManagerOptions.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_OTLP_export_is_off_by_default_and_set_by_a_URL_and_an_interval()
    {
        Assert.Null(ManagerOptions.Parse(["--config", "c", "--data", "d"]).Options!.Analytics.OtlpEndpoint);
        var (options, error) = ManagerOptions.Parse(["--config", "c", "--data", "d", "--analytics-otlp", "http://127.0.0.1:4318", "--analytics-otlp-interval-ms", "500"]);
        Assert.Null(error);
        Assert.Equal((new Uri("http://127.0.0.1:4318"), TimeSpan.FromMilliseconds(500)), (options!.Analytics.OtlpEndpoint, options.Analytics.OtlpInterval));
        Assert.Equal("--analytics-otlp 'ftp://x' is not an http(s) URL", ManagerOptions.Parse(["--config", "c", "--data", "d", "--analytics-otlp", "ftp://x"]).Error);
        Assert.Equal("--analytics-otlp-interval-ms '5' is not 100…3600000", ManagerOptions.Parse(["--config", "c", "--data", "d", "--analytics-otlp-interval-ms", "5"]).Error);
    }
}
