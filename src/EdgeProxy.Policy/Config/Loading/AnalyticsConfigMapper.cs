using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>Maps <c>[analytics]</c> and the routes' <c>analytics</c> tables.</summary>
internal static class AnalyticsConfigMapper
{
    public static AnalyticsSettings MapSettings(TableReader r)
    {
        var defaults = new AnalyticsSettings();
        var spool = r.String("spool_dir");
        return r.Finish(new AnalyticsSettings
        {
            Endpoint = r.String("endpoint") ?? defaults.Endpoint,
            Secret = r.String("secret") ?? defaults.Secret,
            GatewayId = r.String("gateway_id") ?? defaults.GatewayId,
            BatchMaxRecords = r.Int32("batch_max_records") ?? defaults.BatchMaxRecords,
            FlushInterval = r.Duration("flush_interval") ?? defaults.FlushInterval,
            Buffer = r.Int32("buffer") ?? defaults.Buffer,
            Compression = r.String("compression") ?? defaults.Compression,
            Timeout = r.Duration("timeout") ?? defaults.Timeout,
            ErrorSamplesPerSecond = r.Int32("error_samples_per_second") ?? defaults.ErrorSamplesPerSecond,

            // Relative to the file that names it, like every other path in the config.
            SpoolDir = string.IsNullOrEmpty(spool) ? defaults.SpoolDir : r.Context.ResolvePath(spool),
            SpoolMaxBytes = r.Size("spool_max_bytes") ?? defaults.SpoolMaxBytes,
        });
    }

    public static RouteAnalyticsConfig MapRoute(TableReader r) =>
        r.Finish(new RouteAnalyticsConfig { Sample = r.Decimal("sample") is { } sample ? (double)sample : new RouteAnalyticsConfig().Sample });
}
