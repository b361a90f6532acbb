using System.Globalization;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// Ingest and retention settings: <c>--analytics-secret</c> (or <c>EDGEPROXY_ANALYTICS_SECRET</c>, so the secret
/// need not sit in a process listing) is the gateway's <c>[analytics] secret</c>; ingest answers 503 without one.
/// </summary>
public sealed record AnalyticsSettings
{
    public const string SecretVariable = "EDGEPROXY_ANALYTICS_SECRET";

    public const string Usage = """
          --analytics-secret S         HMAC secret shared with the gateway's [analytics] secret (or env EDGEPROXY_ANALYTICS_SECRET)
          --analytics-minute-days N    keep per-minute rollups N days, then roll them into hours (default 7)
          --analytics-hour-days N      keep hourly rollups N days (default 400)
          --analytics-error-days N     keep raw error samples N days (default 7)
          --analytics-otlp URL         export the rollup measures as OpenTelemetry metrics (OTLP/HTTP protobuf) to
                                       URL/v1/metrics (e.g. http://127.0.0.1:4318); off when unset
          --analytics-otlp-interval-ms N  how often to export (default 10000)
        """;

    public string Secret { get; init; } = Environment.GetEnvironmentVariable(SecretVariable) ?? "";

    /// <summary>How far a signature's time may be from the manager's clock.</summary>
    public TimeSpan ClockTolerance { get; init; } = TimeSpan.FromMinutes(5);

    public int MinuteDays { get; init; } = 7;

    public int HourDays { get; init; } = 400;

    public int ErrorSampleDays { get; init; } = 7;

    /// <summary>OTLP/HTTP base URL (the collector's, e.g. http://127.0.0.1:4318); null: no export.</summary>
    public Uri? OtlpEndpoint { get; init; }

    public TimeSpan OtlpInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The .NET meter the rollup measures are recorded on and the OTLP export listens to. Meters are matched by name
    /// process-wide, so two managers in one process (the tests) need names of their own to keep their exports apart.
    /// </summary>
    public string MeterName { get; init; } = AnalyticsMeter.Name;

    /// <summary>How often the retention job runs.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often alert rules are evaluated.</summary>
    public TimeSpan AlertInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest body ingest reads (the decoder bounds the rest).</summary>
    public int MaxBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Applies one <c>--analytics-*</c> option; false when <paramref name="name"/> is not one of them, an error
    /// text when the value is bad.
    /// </summary>
    public static bool TryApply(string name, string value, ref AnalyticsSettings settings, out string? error)
    {
        error = null;
        switch (name)
        {
            case "--analytics-secret":
                settings = settings with { Secret = value };
                if (value.Length < 16)
                {
                    error = "--analytics-secret must be at least 16 characters";
                }

                return true;
            case "--analytics-minute-days":
                settings = settings with { MinuteDays = Days(name, value, ref error) };
                return true;
            case "--analytics-hour-days":
                settings = settings with { HourDays = Days(name, value, ref error) };
                return true;
            case "--analytics-error-days":
                settings = settings with { ErrorSampleDays = Days(name, value, ref error) };
                return true;
            case "--analytics-otlp":
                if (Uri.TryCreate(value, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https")
                {
                    settings = settings with { OtlpEndpoint = otlp };
                }
                else
                {
                    error = $"--analytics-otlp '{value}' is not an http(s) URL";
                }

                return true;
            case "--analytics-otlp-interval-ms":
                if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is >= 100 and <= 3_600_000)
                {
                    settings = settings with { OtlpInterval = TimeSpan.FromMilliseconds(ms) };
                }
                else
                {
                    error = $"--analytics-otlp-interval-ms '{value}' is not 100…3600000";
                }

                return true;
            default:
                return false;
        }
    }

    private static int Days(string name, string value, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 10_000)
        {
            return days;
        }

        error = $"{name} '{value}' is not a number of days (1…10000)";
        return 1;
    }
}
