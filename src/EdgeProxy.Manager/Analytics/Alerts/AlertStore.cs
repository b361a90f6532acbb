using System.Globalization;
using EdgeProxy.Manager.Data;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Analytics.Alerts;

/// <summary>SLOs, rules, rule state and events in SQLite.</summary>
public sealed class AlertStore(ManagerDatabase database, TimeProvider time)
{
    public SloDefinition AddSlo(string api, double availability, long? p99Us, long windowDays)
    {
        using var connection = database.Open();
        var id = Insert(connection, "INSERT INTO analytics_slos (api, availability, p99_us, window_days, created_at) VALUES ($a, $av, $p, $w, $t) RETURNING id",
            ("$a", api), ("$av", availability), ("$p", p99Us), ("$w", windowDays), ("$t", Now()));
        return new SloDefinition(id, api, availability, p99Us, windowDays);
    }

    public IReadOnlyList<SloDefinition> Slos()
    {
        using var connection = database.Open();
        return Read(connection, "SELECT id, api, availability, p99_us, window_days FROM analytics_slos ORDER BY id", r =>
            new SloDefinition(r.GetInt64(0), r.GetString(1), r.GetDouble(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.GetInt64(4)));
    }

    public AlertRule AddRule(AlertRule rule)
    {
        using var connection = database.Open();
        var id = Insert(connection, """
            INSERT INTO analytics_alert_rules (name, kind, api, metric, threshold, window_minutes, short_window_minutes, slo_id, webhook_url, webhook_secret, created_at)
            VALUES ($n, $k, $a, $m, $th, $w, $sw, $s, $u, $sec, $t) RETURNING id
            """, ("$n", rule.Name), ("$k", rule.Kind), ("$a", rule.Api), ("$m", rule.Metric), ("$th", rule.Threshold), ("$w", rule.WindowMinutes),
            ("$sw", rule.ShortWindowMinutes), ("$s", rule.SloId), ("$u", rule.WebhookUrl), ("$sec", rule.WebhookSecret), ("$t", Now()));
        return rule with { Id = id };
    }

    public bool DeleteRule(long id)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM analytics_alert_rules WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() == 1;
    }

    public IReadOnlyList<AlertRule> Rules()
    {
        using var connection = database.Open();
        return Read(connection, "SELECT id, name, kind, api, metric, threshold, window_minutes, short_window_minutes, slo_id, webhook_url, webhook_secret FROM analytics_alert_rules ORDER BY id", r =>
            new AlertRule(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.GetDouble(5), r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.IsDBNull(8) ? null : r.GetInt64(8), r.GetString(9), r.GetString(10)));
    }

    public IReadOnlyDictionary<long, AlertState> States()
    {
        using var connection = database.Open();
        return Read(connection, "SELECT rule_id, firing, since, value, notified FROM analytics_alert_state", r =>
            new AlertState(r.GetInt64(0), r.GetInt64(1) != 0, r.GetInt64(2), r.GetDouble(3), r.GetInt64(4) != 0)).ToDictionary(s => s.RuleId);
    }

    public IReadOnlyList<AlertEvent> Events(int limit)
    {
        using var connection = database.Open();
        return Read(connection, $"SELECT id, rule_id, at, status, value, delivered FROM analytics_alert_events ORDER BY id DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}", r =>
            new AlertEvent(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetDouble(4), r.GetInt64(5) != 0));
    }

    /// <summary>Saves the state; a change of firing also appends an event (its id returned, else null).</summary>
    public long? Save(AlertState state, bool changed)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, """
            INSERT INTO analytics_alert_state (rule_id, firing, since, value, notified) VALUES ($r, $f, $s, $v, $n)
            ON CONFLICT (rule_id) DO UPDATE SET firing = excluded.firing, since = excluded.since, value = excluded.value, notified = excluded.notified
            """, ("$r", state.RuleId), ("$f", state.Firing ? 1 : 0), ("$s", state.Since), ("$v", state.Value), ("$n", state.Notified ? 1 : 0));
        long? eventId = null;
        if (changed)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO analytics_alert_events (rule_id, at, status, value, delivered) VALUES ($r, $s, $st, $v, 0) RETURNING id";
            command.Parameters.AddWithValue("$r", state.RuleId);
            command.Parameters.AddWithValue("$s", state.Since);
            command.Parameters.AddWithValue("$st", state.Firing ? "firing" : "resolved");
            command.Parameters.AddWithValue("$v", state.Value);
            eventId = (long)command.ExecuteScalar()!;
        }

        transaction.Commit();
        return eventId;
    }

    /// <summary>Marks the rule's newest event of <paramref name="status"/> delivered.</summary>
    public void MarkDelivered(long ruleId, string status)
    {
        using var connection = database.Open();
        Execute(connection, null, """
            UPDATE analytics_alert_events SET delivered = 1
            WHERE id = (SELECT max(id) FROM analytics_alert_events WHERE rule_id = $r AND status = $s)
            """, ("$r", ruleId), ("$s", status));
    }

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static long Insert(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    private static List<T> Read<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> map)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read())
        {
            list.Add(map(reader));
        }

        return list;
    }
}
