namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// The analytics tables (one numbered step in <see cref="Data.Migrations"/>). Rollup rows are keyed by time bucket
/// and dimensions, with text dimensions ("" = none) so a row reads on its own; a record lives in exactly one of
/// <c>analytics_minute</c> or <c>analytics_hour</c> (the retention job moves old minutes into hours), so queries
/// read both without double counting. Rollup tables keep rowids: a busy key's sketches grow to a few KiB, and
/// SQLite's WITHOUT ROWID tables are meant for small rows.
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
            UNIQUE (minute, route, api, consumer, status_class, upstream)
        );
        CREATE TABLE analytics_hour (
            hour INTEGER NOT NULL,
            {RollupColumns}
            UNIQUE (hour, route, api, consumer, status_class, upstream)
        );
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

    /// <summary>
    /// Failures (5xx or an upstream error kind, <see cref="EdgeProxy.Policy.Analytics.AnalyticsRecord.IsFailure"/>),
    /// what SLO availability counts against; rows written before this step count their 5xx class as failures.
    /// </summary>
    public const string FailuresStep = """
        ALTER TABLE analytics_minute ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE analytics_hour ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
        UPDATE analytics_minute SET failures = count WHERE status_class = 5;
        UPDATE analytics_hour SET failures = count WHERE status_class = 5;
        """;

    /// <summary>
    /// An error row's request sample (wire format v3): JSON of <see cref="EdgeProxy.Policy.Analytics.AnalyticsRequestSample"/>
    /// (target, headers with secrets redacted), NULL when the record carried none. Rows before this step have none.
    /// It lives and dies with its row, so the error-sample retention covers it.
    /// </summary>
    public const string SamplesStep = """
        ALTER TABLE analytics_errors ADD COLUMN sample TEXT NULL;
        """;

    /// <summary>SLOs, alert rules, each rule's current state and its fired/resolved history.</summary>
    public const string AlertsStep = """
        CREATE TABLE analytics_slos (
            id INTEGER PRIMARY KEY,
            api TEXT NOT NULL,
            availability REAL NOT NULL CHECK (availability > 0 AND availability < 1),
            p99_us INTEGER NULL,
            window_days INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE analytics_alert_rules (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('threshold', 'burn_rate', 'anomaly')),
            api TEXT NULL,
            metric TEXT NULL,
            threshold REAL NOT NULL,
            window_minutes INTEGER NOT NULL,
            short_window_minutes INTEGER NULL,
            slo_id INTEGER NULL REFERENCES analytics_slos (id),
            webhook_url TEXT NOT NULL,
            webhook_secret TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE analytics_alert_state (
            rule_id INTEGER PRIMARY KEY REFERENCES analytics_alert_rules (id) ON DELETE CASCADE,
            firing INTEGER NOT NULL,
            since INTEGER NOT NULL,
            value REAL NOT NULL,
            notified INTEGER NOT NULL
        );
        CREATE TABLE analytics_alert_events (
            id INTEGER PRIMARY KEY,
            rule_id INTEGER NOT NULL REFERENCES analytics_alert_rules (id) ON DELETE CASCADE,
            at INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
            value REAL NOT NULL,
            delivered INTEGER NOT NULL
        );
        CREATE INDEX analytics_alert_events_rule ON analytics_alert_events (rule_id, at);
        """;
}
