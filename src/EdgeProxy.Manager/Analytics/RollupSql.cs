using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// SQL shared by ingest and the retention job: the sketch functions every analytics connection registers, and the
/// upsert that adds a row's sums and merges its sketches into an existing row with the same key.
/// </summary>
public static class RollupSql
{
    public const string Dimensions = "route, api, consumer, status_class, upstream";

    public const string Measures = "count, errors, bytes_in, bytes_out, cache_hits, cache_lookups, total_us, upstream_us, overhead_us, total_sketch, upstream_sketch, overhead_sketch, failures";

    /// <summary><c>ON CONFLICT</c> clause for a rollup table whose time column is <paramref name="timeColumn"/>.</summary>
    public static string MergeOnConflict(string timeColumn) => $"""
        ON CONFLICT ({timeColumn}, {Dimensions}) DO UPDATE SET
            count = count + excluded.count,
            errors = errors + excluded.errors,
            bytes_in = bytes_in + excluded.bytes_in,
            bytes_out = bytes_out + excluded.bytes_out,
            cache_hits = cache_hits + excluded.cache_hits,
            cache_lookups = cache_lookups + excluded.cache_lookups,
            total_us = total_us + excluded.total_us,
            upstream_us = upstream_us + excluded.upstream_us,
            overhead_us = overhead_us + excluded.overhead_us,
            total_sketch = sketch_merge(total_sketch, excluded.total_sketch),
            upstream_sketch = sketch_merge(upstream_sketch, excluded.upstream_sketch),
            overhead_sketch = sketch_merge(overhead_sketch, excluded.overhead_sketch),
            failures = failures + excluded.failures
        """;

    /// <summary>Registers <c>sketch_merge(a, b)</c> and the aggregate <c>sketch_merge_all(x)</c> on the connection.</summary>
    public static void RegisterFunctions(SqliteConnection connection)
    {
        connection.CreateFunction<byte[]?, byte[]?, byte[]>("sketch_merge", LatencySketch.MergeSerialized, isDeterministic: true);
        connection.CreateAggregate<byte[]?, LatencySketch?, byte[]>(
            "sketch_merge_all",
            null,
            static (sketch, blob) =>
            {
                sketch ??= new LatencySketch();
                sketch.Merge(blob);
                return sketch;
            },
            static sketch => sketch?.Serialize() ?? new LatencySketch().Serialize(),
            isDeterministic: true);
    }
}
