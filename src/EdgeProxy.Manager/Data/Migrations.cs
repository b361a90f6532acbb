using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Data;

/// <summary>
/// Numbered schema steps. <c>PRAGMA user_version</c> holds the number of steps applied; each step runs in its own
/// transaction together with the version bump, so a crash leaves the file at a whole step. Steps are only ever
/// appended: an applied step is never edited.
/// </summary>
public static class Migrations
{
    public static readonly string[] Steps =
    [
        // 1: accounts, apps, subscriptions, keys, the audit log and settings.
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'publisher', 'developer')),
            failed_sign_ins INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE apps (
            id INTEGER PRIMARY KEY,
            owner_id INTEGER NOT NULL REFERENCES users (id),
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX apps_owner ON apps (owner_id);
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            app_id INTEGER NOT NULL REFERENCES apps (id),
            api_id TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'rejected', 'cancelled')),
            created_at TEXT NOT NULL,
            decided_by INTEGER NULL REFERENCES users (id),
            decided_at TEXT NULL
        );
        CREATE INDEX subscriptions_app ON subscriptions (app_id);
        CREATE TABLE api_keys (
            id INTEGER PRIMARY KEY,
            subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
            key_id TEXT NOT NULL UNIQUE,
            key_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            expires_at TEXT NULL,
            revoked INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX api_keys_subscription ON api_keys (subscription_id);
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            entity TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            before_json TEXT NULL,
            after_json TEXT NULL
        );
        CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
        -- The audit log is evidence: the database itself refuses to change or drop a row.
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,

        // 2: the catalog's full-text index (rebuilt from the policy table on every load; ranked with bm25).
        """
        CREATE VIRTUAL TABLE catalog_search USING fts5 (
            api_id UNINDEXED, title, summary, tags, owner, body,
            tokenize = 'porter unicode61'
        );
        """,

        // 3: feedback: a comment thread per API and problem reports that reach the API's owner.
        """
        CREATE TABLE api_comments (
            id INTEGER PRIMARY KEY,
            api_id TEXT NOT NULL,
            author_id INTEGER NOT NULL REFERENCES users (id),
            body TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX api_comments_api ON api_comments (api_id, id);
        CREATE TABLE problem_reports (
            id INTEGER PRIMARY KEY,
            api_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            reporter_id INTEGER NOT NULL REFERENCES users (id),
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
            created_at TEXT NOT NULL
        );
        CREATE INDEX problem_reports_owner ON problem_reports (owner, state);
        """,

        // 4: the owner team a publisher manages.
        """
        ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';
        """,

        // 5: APIs created in the manager (written to manager-apis.toml), with their versions' lifecycle.
        """
        CREATE TABLE managed_apis (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            owner TEXT NOT NULL,
            tags TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE managed_api_versions (
            api_id TEXT NOT NULL REFERENCES managed_apis (id),
            version TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('draft', 'published', 'deprecated', 'retired')),
            routes TEXT NOT NULL,
            openapi TEXT NULL,
            deprecated_at TEXT NULL,
            sunset TEXT NULL,
            successor TEXT NULL,
            changelog TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (api_id, version)
        );
        """,

        // 6: plans created and edited in the manager (written to manager-plans.toml).
        """
        CREATE TABLE managed_plans (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            approval INTEGER NOT NULL,
            rate TEXT NULL,
            burst INTEGER NULL,
            day_quota INTEGER NULL,
            month_quota INTEGER NULL,
            monthly TEXT NULL,
            per_call TEXT NULL,
            overage TEXT NULL,
            currency TEXT NOT NULL DEFAULT 'USD'
        );
        """,

        // 7: analytics rollups, batch ids (replay refusal) and error samples (Analytics/AnalyticsSchema.cs).
        Analytics.AnalyticsSchema.Step,

        // 8: SLOs and alert rules with their state and history (Analytics/AnalyticsSchema.cs).
        Analytics.AnalyticsSchema.AlertsStep,

        // 9: rollups count failures (what SLO availability counts against) apart from errors.
        Analytics.AnalyticsSchema.FailuresStep,

        // 10: error rows keep the request sample (target and headers, secrets redacted) of wire format v3.
        Analytics.AnalyticsSchema.SamplesStep,
    ];

    public static int Apply(SqliteConnection connection)
    {
        var version = CurrentVersion(connection);
        for (var step = version; step < Steps.Length; step++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Steps[step] + $"\nPRAGMA user_version = {step + 1};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }

        return CurrentVersion(connection);
    }

    public static int CurrentVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
