namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// The analytics tables (one numbered step in <see cref="Data.Migrations"/>). Rollup rows are keyed by time bucket
/// and dimensions, with text dimensions ("" = none) so a row reads on its own; a record lives in exactly one of
/// <c>analytics_minute</c> or <c>analytics_hour</c> (the retention job moves old minutes into hours), so queries
/// read both without double counting.
/// </summary>
public static class AnalyticsSchema
{
    private const string RollupColumns = """
        route TEXT NOT NULL,
        api TEXT NOT NULL,
        consumer TEXT NOT NULL,
        status_class INTEGER NOT NULL,
        upstream TEXT NOT NULL,
        count INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        bytes_in INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL,
        cache_hits INTEGER NOT NULL,
        cache_lookups INTEGER NOT NULL,
        total_us INTEGER NOT NULL,
        upstream_us INTEGER NOT NULL,
        overhead_us INTEGER NOT NULL,
        total_sketch BLOB NOT NULL,
        upstream_sketch BLOB NOT NULL,
        overhead_sketch BLOB NOT NULL,
        """;

    public const string Step = $"""
        CREATE TABLE analytics_batches (
            gateway_id TEXT NOT NULL,
            instance INTEGER NOT NULL,
            sequence INTEGER NOT NULL,
            records INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (gateway_id, instance, sequence)
        ) WITHOUT ROWID;
        CREATE INDEX analytics_batches_received ON analytics_batches (received_at);
        CREATE TABLE analytics_minute (
            minute INTEGER NOT NULL,
            {RollupColumns}
            PRIMARY KEY (minute, route, api, consumer, status_class, upstream)
        ) WITHOUT ROWID;
        CREATE TABLE analytics_hour (
            hour INTEGER NOT NULL,
            {RollupColumns}
            PRIMARY KEY (hour, route, api, consumer, status_class, upstream)
        ) WITHOUT ROWID;
        CREATE TABLE analytics_errors (
            id INTEGER PRIMARY KEY,
            request_id TEXT NOT NULL,
            at_us INTEGER NOT NULL,
            route TEXT NOT NULL,
            api TEXT NOT NULL,
            consumer TEXT NOT NULL,
            upstream TEXT NOT NULL,
            method TEXT NOT NULL,
            status INTEGER NOT NULL,
            error_kind TEXT NOT NULL,
            policy TEXT NOT NULL,
            total_us INTEGER NOT NULL,
            gateway_id TEXT NOT NULL
        );
        CREATE INDEX analytics_errors_at ON analytics_errors (at_us);
        CREATE INDEX analytics_errors_group ON analytics_errors (route, upstream, error_kind, at_us);
        """;
}
