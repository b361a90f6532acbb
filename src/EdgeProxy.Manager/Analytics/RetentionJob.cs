using System.Globalization;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// Every <see cref="AnalyticsSettings.RetentionInterval"/>: minute rollups older than <c>MinuteDays</c> are merged
/// into hour rows (sums added, sketches merged: percentiles keep their error bound) and deleted; hour rows older
/// than <c>HourDays</c>, error samples older than <c>ErrorSampleDays</c> and remembered batch ids older than the
/// minute window are deleted. One transaction per run, on the ingest's writer (so the two never contend).
/// </summary>
public sealed class RetentionJob(AnalyticsStore store, ManagerOptions options, TimeProvider time, ILogger<RetentionJob> log) : BackgroundService
{
    public RetentionResult RunOnce(DateTimeOffset now)
    {
        var settings = options.Analytics;

        // Hour-aligned, so an hour row is built from whole hours of minutes (a late minute still merges in).
        var minuteCut = (now - TimeSpan.FromDays(settings.MinuteDays)).ToUnixTimeSeconds() / 3600 * 60;
        var hourCut = (now - TimeSpan.FromDays(settings.HourDays)).ToUnixTimeSeconds() / 3600;
        var errorCut = (now - TimeSpan.FromDays(settings.ErrorSampleDays)).ToUnixTimeMilliseconds() * 1000;
        var batchCut = (now - TimeSpan.FromDays(settings.MinuteDays)).ToUnixTimeSeconds();
        return store.Write(connection =>
        {
            using var transaction = connection.BeginTransaction();
            int Run(string sql, long cut)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                command.Parameters.AddWithValue("$cut", cut);
                return command.ExecuteNonQuery();
            }

            var hourRows = Run($"""
                INSERT INTO analytics_hour (hour, {RollupSql.Dimensions}, {RollupSql.Measures})
                SELECT minute / 60, {RollupSql.Dimensions}, sum(count), sum(errors), sum(bytes_in), sum(bytes_out), sum(cache_hits),
                       sum(cache_lookups), sum(total_us), sum(upstream_us), sum(overhead_us),
                       sketch_merge_all(total_sketch), sketch_merge_all(upstream_sketch), sketch_merge_all(overhead_sketch), sum(failures)
                FROM analytics_minute WHERE minute < $cut GROUP BY minute / 60, {RollupSql.Dimensions}
                {RollupSql.MergeOnConflict("hour")}
                """, minuteCut);
            var minutesRolled = Run("DELETE FROM analytics_minute WHERE minute < $cut", minuteCut);
            var hoursDeleted = Run("DELETE FROM analytics_hour WHERE hour < $cut", hourCut);
            var errorsDeleted = Run("DELETE FROM analytics_errors WHERE at_us < $cut", errorCut);
            var batchesForgotten = Run("DELETE FROM analytics_batches WHERE received_at < $cut", batchCut);
            transaction.Commit();
            return new RetentionResult(minutesRolled, hourRows, hoursDeleted, errorsDeleted, batchesForgotten);
        });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start-up path: the first run on a large file must not hold up the host's start.
        await Task.Yield();
        using var timer = new PeriodicTimer(options.Analytics.RetentionInterval, time);
        do
        {
            try
            {
                var result = RunOnce(time.GetUtcNow());
                log.LogDebug("Analytics retention: {Result}", result.ToString());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed run (disk full, locked file) is retried at the next tick; the rows are still there.
                log.LogWarning(e, "Analytics retention run failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

public sealed record RetentionResult(int MinuteRowsRolled, int HourRowsWritten, int HourRowsDeleted, int ErrorSamplesDeleted, int BatchIdsForgotten)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{MinuteRowsRolled} minute rows into {HourRowsWritten} hour rows, {HourRowsDeleted} hour rows, {ErrorSamplesDeleted} error samples, {BatchIdsForgotten} batch ids deleted");
}
