using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeProxy.Policy.Analytics;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// Reads rollups (minute and hour tables together: a record is in exactly one) and error samples. Percentiles come
/// from merging the rows' sketches, so a point over any number of rows keeps the sketch's relative error.
/// </summary>
public sealed class AnalyticsQueries(AnalyticsStore store)
{
    public const int MaxPoints = 2000;

    /// <summary>A gap this long without an error of a group separates two runs of it (see <see cref="ErrorGroup.StartedAt"/>).</summary>
    public static readonly TimeSpan QuietGap = TimeSpan.FromMinutes(10);

    public static readonly string[] Dimensions = ["route", "consumer", "api", "upstream", "status"];

    public Series Series(AnalyticsFilter filter, TimeSpan step)
    {
        var from = filter.From.ToUnixTimeSeconds();
        var to = filter.To.ToUnixTimeSeconds();
        var stepSeconds = Math.Max(60, (long)step.TotalSeconds);
        var count = (int)Math.Min(MaxPoints, Math.Max(1, (to - from + stepSeconds - 1) / stepSeconds));
        var cells = new RollupCell[count];
        var classes = new long[count, 6];
        var total = new RollupCell();
        foreach (var row in Rows(filter))
        {
            var index = (row.Time - from) / stepSeconds;
            if (index < 0 || index >= count)
            {
                index = Math.Clamp(index, 0, count - 1); // an hour row that starts before the range
            }

            (cells[index] ??= new RollupCell()).Add(row);
            classes[index, Math.Clamp(row.StatusClass, 0, 5)] += row.Count;
            total.Add(row);
        }

        var points = new SeriesPoint[count];
        for (var i = 0; i < count; i++)
        {
            var cell = cells[i] ?? new RollupCell();
            points[i] = new SeriesPoint(
                from + (i * stepSeconds),
                cell.Count,
                cell.Count / (double)stepSeconds,
                cell.Errors,
                Ratio(cell.Errors, cell.Count) ?? 0,
                cell.Total.Quantile(0.50),
                cell.Total.Quantile(0.95),
                cell.Total.Quantile(0.99),
                cell.Upstream.Quantile(0.99),
                cell.Overhead.Quantile(0.99),
                Average(cell.UpstreamMicroseconds, cell.Count),
                Average(cell.OverheadMicroseconds, cell.Count),
                Ratio(cell.CacheHits, cell.CacheLookups),
                cell.BytesIn,
                cell.BytesOut,
                classes[i, 2],
                classes[i, 3],
                classes[i, 4],
                classes[i, 5]);
        }

        return new Series(from, to, stepSeconds, LatencySketch.RelativeError, Entry("total", total), points);
    }

    /// <summary>Entries of one dimension (<see cref="Dimensions"/>) over the range, most requests first.</summary>
    public IReadOnlyList<TopEntry> Top(AnalyticsFilter filter, string dimension, int limit)
    {
        var groups = new Dictionary<string, RollupCell>(StringComparer.Ordinal);
        foreach (var row in Rows(filter))
        {
            var name = dimension switch
            {
                "route" => row.Route,
                "consumer" => row.Consumer,
                "api" => row.Api,
                "upstream" => row.Upstream,
                "status" => row.StatusClass == 0 ? "none" : row.StatusClass.ToString(CultureInfo.InvariantCulture) + "xx",
                _ => throw new ArgumentException($"unknown dimension '{dimension}'", nameof(dimension)),
            };
            if (!groups.TryGetValue(name, out var cell))
            {
                cell = new RollupCell();
                groups.Add(name, cell);
            }

            cell.Add(row);
        }

        return [.. groups
            .OrderByDescending(g => g.Value.Count)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(limit)
            .Select(g => Entry(g.Key, g.Value))];
    }

    public IReadOnlyList<ErrorGroup> Errors(AnalyticsFilter filter, int limit, int examples = 3)
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        var where = new StringBuilder("at_us >= $from AND at_us < $to");
        AddDimensionFilters(command, where, filter);
        command.CommandText = $"""
            SELECT route, upstream, error_kind, count(*), min(at_us), max(at_us) FROM analytics_errors
            WHERE {where} GROUP BY route, upstream, error_kind ORDER BY count(*) DESC, route, upstream, error_kind LIMIT $limit
            """;
        command.Parameters.AddWithValue("$from", filter.From.ToUnixTimeMilliseconds() * 1000);
        command.Parameters.AddWithValue("$to", filter.To.ToUnixTimeMilliseconds() * 1000);
        command.Parameters.AddWithValue("$limit", limit);
        var groups = new List<(string Route, string Upstream, string Kind, long Count, long First, long Last)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                groups.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }

        var result = new List<ErrorGroup>(groups.Count);
        foreach (var g in groups)
        {
            result.Add(new ErrorGroup(g.Route, g.Upstream, g.Kind, g.Count, FromMicroseconds(g.First), FromMicroseconds(g.Last),
                FromMicroseconds(ChangePoint(connection, g.Route, g.Upstream, g.Kind, g.Last)), Examples(connection, g.Route, g.Upstream, g.Kind, g.Last, examples)));
        }

        return result;
    }

    /// <summary>Every row of the range; hour rows overlapping the range's ends count whole.</summary>
    public IEnumerable<RollupRow> Rows(AnalyticsFilter filter)
    {
        using var connection = store.Open();
        using var command = connection.CreateCommand();
        var where = new StringBuilder();
        AddDimensionFilters(command, where, filter);
        var from = filter.From.ToUnixTimeSeconds();
        var to = filter.To.ToUnixTimeSeconds();
        command.CommandText = $"""
            SELECT minute * 60, {RollupSql.Dimensions}, {RollupSql.Measures} FROM analytics_minute
            WHERE minute >= $fromMinute AND minute < $toMinute {(where.Length > 0 ? "AND " + where : "")}
            UNION ALL
            SELECT hour * 3600, {RollupSql.Dimensions}, {RollupSql.Measures} FROM analytics_hour
            WHERE hour >= $fromHour AND hour < $toHour {(where.Length > 0 ? "AND " + where : "")}
            """;
        command.Parameters.AddWithValue("$fromMinute", Math.DivRem(from, 60).Quotient);
        command.Parameters.AddWithValue("$toMinute", (to + 59) / 60);
        command.Parameters.AddWithValue("$fromHour", from / 3600);
        command.Parameters.AddWithValue("$toHour", (to + 3599) / 3600);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new RollupRow(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetString(5),
                reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11),
                reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14),
                (byte[])reader.GetValue(15), (byte[])reader.GetValue(16), (byte[])reader.GetValue(17),
                reader.GetInt64(18));
        }
    }

    private static void AddDimensionFilters(SqliteCommand command, StringBuilder where, AnalyticsFilter filter)
    {
        void Equal(string column, string? value)
        {
            if (value is null)
            {
                return;
            }

            where.Append(where.Length > 0 ? " AND " : "").Append(column).Append(" = $").Append(column);
            command.Parameters.AddWithValue("$" + column, value);
        }

        Equal("api", filter.Api);
        Equal("route", filter.Route);
        Equal("consumer", filter.Consumer);
        In("consumer", filter.Consumers);
        In("api", filter.Apis);

        void In(string column, IReadOnlyList<string>? values)
        {
            if (values is null)
            {
                return;
            }

            where.Append(where.Length > 0 ? " AND " : "").Append(column).Append(" IN (");
            if (values.Count == 0)
            {
                where.Append("NULL"); // sees nothing
            }

            for (var i = 0; i < values.Count; i++)
            {
                var name = "$" + column + "_" + i.ToString(CultureInfo.InvariantCulture);
                where.Append(i > 0 ? ", " : "").Append(name);
                command.Parameters.AddWithValue(name, values[i]);
            }

            where.Append(')');
        }
    }

    // Walks back from the newest error of the group (at or before the range's end) while errors follow each other
    // closer than QuietGap; the last one reached is where this run of errors began.
    private static long ChangePoint(SqliteConnection connection, string route, string upstream, string kind, long newest)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT at_us FROM analytics_errors WHERE route = $r AND upstream = $u AND error_kind = $k AND at_us <= $newest
            ORDER BY at_us DESC LIMIT 100000
            """;
        command.Parameters.AddWithValue("$r", route);
        command.Parameters.AddWithValue("$u", upstream);
        command.Parameters.AddWithValue("$k", kind);
        command.Parameters.AddWithValue("$newest", newest);
        var gap = (long)QuietGap.TotalMicroseconds;
        var started = newest;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var at = reader.GetInt64(0);
            if (started - at >= gap)
            {
                break;
            }

            started = at;
        }

        return started;
    }

    private static List<ErrorExample> Examples(SqliteConnection connection, string route, string upstream, string kind, long newest, int limit)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT request_id, at_us, method, status, consumer, policy, total_us, gateway_id, sample FROM analytics_errors
            WHERE route = $r AND upstream = $u AND error_kind = $k AND at_us <= $newest ORDER BY at_us DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$r", route);
        command.Parameters.AddWithValue("$u", upstream);
        command.Parameters.AddWithValue("$k", kind);
        command.Parameters.AddWithValue("$newest", newest);
        command.Parameters.AddWithValue("$limit", limit);
        var examples = new List<ErrorExample>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var sample = reader.IsDBNull(8) ? null : JsonSerializer.Deserialize<AnalyticsRequestSample>(reader.GetString(8), AnalyticsStore.SampleJson);
            examples.Add(new ErrorExample(reader.GetString(0), FromMicroseconds(reader.GetInt64(1)), reader.GetString(2), reader.GetInt32(3),
                reader.GetString(4), reader.GetString(5), reader.GetInt64(6), reader.GetString(7), sample));
        }

        return examples;
    }

    private static TopEntry Entry(string name, RollupCell cell) => new(
        name,
        cell.Count,
        cell.Errors,
        Ratio(cell.Errors, cell.Count) ?? 0,
        cell.Total.Quantile(0.50),
        cell.Total.Quantile(0.95),
        cell.Total.Quantile(0.99),
        Average(cell.UpstreamMicroseconds, cell.Count),
        Average(cell.OverheadMicroseconds, cell.Count),
        Ratio(cell.CacheHits, cell.CacheLookups),
        cell.BytesIn,
        cell.BytesOut);

    private static double? Ratio(long part, long whole) => whole == 0 ? null : part / (double)whole;

    private static double Average(long sum, long count) => count == 0 ? 0 : sum / (double)count;

    private static DateTimeOffset FromMicroseconds(long microseconds) => DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
}
