using System.Globalization;
using System.Text.Json;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Data;
using EdgeProxy.Policy.Analytics;
using EdgeProxy.Policy.Config;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// Writes decoded batches: in one transaction per batch, the batch id (its primary key refuses a replay), one
/// upsert per (minute, route, API, consumer, status class, upstream) the batch touches, and one row per error
/// record. One writer connection with prepared statements, used under a lock (SQLite has a single writer anyway).
/// </summary>
public sealed class AnalyticsStore : IDisposable
{
    private readonly ManagerDatabase _database;
    private readonly Lock _write = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _insertBatch;
    private SqliteCommand? _upsertMinute;
    private SqliteCommand? _insertError;

    private readonly AnalyticsMeter? _meter;
    private readonly PolicyTable? _policies;

    /// <param name="policies">The gateway config the manager reads: its API-key header and query parameter are secret in samples.</param>
    public AnalyticsStore(ManagerDatabase database, AnalyticsMeter? meter = null, PolicyTable? policies = null)
    {
        _database = database;
        _meter = meter;
        _policies = policies;
    }

    /// <summary>How samples are kept in <c>analytics_errors.sample</c> and read back.</summary>
    public static readonly JsonSerializerOptions SampleJson = new(JsonSerializerDefaults.Web);

    /// <summary>Opens a connection with the sketch functions registered (queries and the retention job use it).</summary>
    public SqliteConnection Open()
    {
        var connection = _database.Open();
        RollupSql.RegisterFunctions(connection);
        return connection;
    }

    /// <summary>True when this batch id is stored already (checked before decompressing).</summary>
    public bool Contains(in AnalyticsBatchHeader header)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM analytics_batches WHERE gateway_id = $g AND instance = $i AND sequence = $s";
        command.Parameters.AddWithValue("$g", header.GatewayId);
        command.Parameters.AddWithValue("$i", unchecked((long)header.Instance));
        command.Parameters.AddWithValue("$s", unchecked((long)header.Sequence));
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Runs <paramref name="work"/> on the writer connection, serialized with ingest (the retention job).</summary>
    public T Write<T>(Func<SqliteConnection, T> work)
    {
        lock (_write)
        {
            Prepare();
            return work(_connection!);
        }
    }

    public IngestResult Store(AnalyticsBatch batch, DateTimeOffset receivedAt)
    {
        // Fold first, outside the lock: the writer then only runs statements.
        var cells = new Dictionary<(long Minute, int Route, int Api, int Consumer, int StatusClass, int Upstream), RollupCell>();
        var records = batch.Records;
        for (var i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            var key = (Minute: record.UnixMicroseconds / 60_000_000, record.Route, record.Api, record.Consumer, StatusClass: record.Status / 100, record.Upstream);
            if (!cells.TryGetValue(key, out var cell))
            {
                cell = new RollupCell();
                cells.Add(key, cell);
            }

            cell.Add(in record);
        }

        lock (_write)
        {
            Prepare();
            using var transaction = _connection!.BeginTransaction();
            try
            {
                var header = batch.Header;
                _insertBatch!.Transaction = transaction;
                _insertBatch.Parameters["$g"].Value = header.GatewayId;
                _insertBatch.Parameters["$i"].Value = unchecked((long)header.Instance);
                _insertBatch.Parameters["$s"].Value = unchecked((long)header.Sequence);
                _insertBatch.Parameters["$n"].Value = records.Length;
                _insertBatch.Parameters["$at"].Value = receivedAt.ToUnixTimeSeconds();
                if (_insertBatch.ExecuteNonQuery() == 0)
                {
                    transaction.Rollback();
                    return IngestResult.Replayed;
                }

                WriteRollups(batch, cells, transaction);
                WriteErrors(batch, transaction);
                transaction.Commit();
                if (_meter is not null)
                {
                    foreach (var (key, cell) in cells)
                    {
                        _meter.Add(batch.NameOf(key.Route), batch.NameOf(key.Api), key.StatusClass, batch.NameOf(key.Upstream), cell);
                    }
                }

                return IngestResult.Stored;
            }
            catch
            {
                transaction.Rollback();
                throw;
            }
        }
    }

    private void WriteRollups(AnalyticsBatch batch, Dictionary<(long Minute, int Route, int Api, int Consumer, int StatusClass, int Upstream), RollupCell> cells, SqliteTransaction transaction)
    {
        var command = _upsertMinute!;
        command.Transaction = transaction;
        var p = command.Parameters;
        foreach (var (key, cell) in cells)
        {
            p["$t"].Value = key.Minute;
            p["$route"].Value = batch.NameOf(key.Route);
            p["$api"].Value = batch.NameOf(key.Api);
            p["$consumer"].Value = batch.NameOf(key.Consumer);
            p["$class"].Value = key.StatusClass;
            p["$upstream"].Value = batch.NameOf(key.Upstream);
            p["$count"].Value = cell.Count;
            p["$errors"].Value = cell.Errors;
            p["$failures"].Value = cell.Failures;
            p["$bin"].Value = cell.BytesIn;
            p["$bout"].Value = cell.BytesOut;
            p["$hits"].Value = cell.CacheHits;
            p["$lookups"].Value = cell.CacheLookups;
            p["$tus"].Value = cell.TotalMicroseconds;
            p["$uus"].Value = cell.UpstreamMicroseconds;
            p["$ous"].Value = cell.OverheadMicroseconds;
            p["$ts"].Value = cell.Total.Serialize();
            p["$us"].Value = cell.Upstream.Serialize();
            p["$os"].Value = cell.Overhead.Serialize();
            command.ExecuteNonQuery();
        }
    }

    private void WriteErrors(AnalyticsBatch batch, SqliteTransaction transaction)
    {
        var command = _insertError!;
        command.Transaction = transaction;
        var p = command.Parameters;
        var header = batch.Header;
        var records = batch.Records;
        var keys = _policies?.Current.Config?.ApiKeys ?? new ApiKeySettings();
        for (var i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            if (!record.IsError)
            {
                continue;
            }

            // Scrubbed again with the manager's own view of the key names: what reaches the file is never more than that.
            p["$sample"].Value = batch.SampleOf(in record) is { } sample
                ? JsonSerializer.Serialize(sample.Scrub(keys.Header, keys.QueryParameter), SampleJson)
                : DBNull.Value;

            // The gateway's X-Request-Id; a record without one (not from the gateway) is named by its place instead
            // (gateway, instance, batch, position).
            p["$rid"].Value = record.RequestId.Length > 0
                ? record.RequestId.ToString()
                : string.Create(CultureInfo.InvariantCulture, $"{header.GatewayId}/{header.Instance:x16}/{header.Sequence}/{i}");
            p["$at"].Value = record.UnixMicroseconds;
            p["$route"].Value = batch.NameOf(record.Route);
            p["$api"].Value = batch.NameOf(record.Api);
            p["$consumer"].Value = batch.NameOf(record.Consumer);
            p["$upstream"].Value = batch.NameOf(record.Upstream);
            p["$method"].Value = AnalyticsNames.Method(record.Method);
            p["$status"].Value = (int)record.Status;
            p["$kind"].Value = AnalyticsNames.ErrorGroup(record.Error, record.Status);
            p["$policy"].Value = batch.NameOf(record.Policy);
            p["$tus"].Value = record.TotalMicroseconds;
            p["$gw"].Value = header.GatewayId;
            command.ExecuteNonQuery();
        }
    }

    private void Prepare()
    {
        if (_connection is not null)
        {
            return;
        }

        var connection = Open();
        _insertBatch = Command(connection, """
            INSERT OR IGNORE INTO analytics_batches (gateway_id, instance, sequence, records, received_at) VALUES ($g, $i, $s, $n, $at)
            """, "$g", "$i", "$s", "$n", "$at");
        _upsertMinute = Command(connection, $"""
            INSERT INTO analytics_minute (minute, {RollupSql.Dimensions}, {RollupSql.Measures})
            VALUES ($t, $route, $api, $consumer, $class, $upstream, $count, $errors, $bin, $bout, $hits, $lookups, $tus, $uus, $ous, $ts, $us, $os, $failures)
            {RollupSql.MergeOnConflict("minute")}
            """, "$t", "$route", "$api", "$consumer", "$class", "$upstream", "$count", "$errors", "$bin", "$bout", "$hits", "$lookups", "$tus", "$uus", "$ous", "$ts", "$us", "$os", "$failures");
        _insertError = Command(connection, """
            INSERT INTO analytics_errors (request_id, at_us, route, api, consumer, upstream, method, status, error_kind, policy, total_us, gateway_id, sample)
            VALUES ($rid, $at, $route, $api, $consumer, $upstream, $method, $status, $kind, $policy, $tus, $gw, $sample)
            """, "$rid", "$at", "$route", "$api", "$consumer", "$upstream", "$method", "$status", "$kind", "$policy", "$tus", "$gw", "$sample");
        _connection = connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
        }

        command.Prepare();
        return command;
    }

    public void Dispose()
    {
        lock (_write)
        {
            _insertBatch?.Dispose();
            _upsertMinute?.Dispose();
            _insertError?.Dispose();
            _connection?.Dispose();
            _connection = null;
        }
    }
}
