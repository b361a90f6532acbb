using System.Net;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Policy.Analytics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// The retention job on a real SQLite file: minutes older than the minute window become hour rows with the same
/// counts and percentiles, old hours, error samples and batch ids are deleted, recent data is left alone.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Old_minutes_roll_into_hours_without_changing_counts_or_percentiles_and_expired_rows_are_deleted()
    {
        await using var host = await AnalyticsTestHost.StartAsync(new AnalyticsSettings { Secret = BatchBuilder.Secret, MinuteDays = 2, HourDays = 30, ErrorSampleDays = 1 });
        using var ingest = host.Manager.Client();
        var now = DateTimeOffset.UtcNow;
        var old = new DateTimeOffset(now.Year, now.Month, now.Day, 10, 0, 0, TimeSpan.Zero).AddDays(-5); // 5 days back, 10:00
        var ancient = old.AddDays(-40);
        var random = new Random(3);
        var builder = new BatchBuilder();
        var latencies = new List<long>();
        for (var i = 0; i < 600; i++)
        {
            var total = (long)Math.Exp(random.NextDouble() * 8 + 5);
            latencies.Add(total);
            builder.Add(old.AddSeconds(i * 7), i % 2 == 0 ? "orders" : "billing", "alice", i % 10 == 0 ? 500 : 200, total, total / 2);
        }

        builder.Add(ancient, "orders", "alice", 200, 1000);
        builder.Add(now.AddMinutes(-1), "orders", "alice", 503, 1000); // recent: stays a minute row and a sample
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

        using var admin = await host.Manager.AdminAsync();
        var range = $"from={old.AddHours(-1).ToUnixTimeSeconds()}&to={old.AddHours(3).ToUnixTimeSeconds()}&step=3600";
        var before = await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?" + range);
        var routesBefore = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, "/api/analytics/top/route?" + range);
        Assert.Equal(600, before.Total.Requests);

        var job = host.Manager.Host.Services.GetRequiredService<RetentionJob>();
        var result = job.RunOnce(now);
        Assert.True(result.MinuteRowsRolled > 0, result.ToString());
        Assert.Equal(1, result.HourRowsDeleted); // the ancient record's hour
        Assert.Equal(60, result.ErrorSamplesDeleted); // the old 500s; the recent 503 stays

        var after = await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?" + range);
        var routesAfter = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, "/api/analytics/top/route?" + range);
        Assert.Equal(before.Total.Requests, after.Total.Requests);
        Assert.Equal(before.Total.Errors, after.Total.Errors);
        Assert.Equal(before.Total.P99Us, after.Total.P99Us);
        Assert.Equal(before.Points.Select(p => p.Requests), after.Points.Select(p => p.Requests));
        Assert.Equal(routesBefore.Select(r => (r.Name, r.Requests, r.P50Us, r.P99Us)), routesAfter.Select(r => (r.Name, r.Requests, r.P50Us, r.P99Us)));
        var exact99 = latencies.Order().ElementAt((int)Math.Floor(0.99 * (latencies.Count - 1)));
        Assert.True(Math.Abs(after.Total.P99Us - exact99) <= exact99 * LatencySketch.RelativeError);

        using var connection = new SqliteConnection($"Data Source={Path.Combine(host.Manager.DataDirectory, "manager.db")}");
        connection.Open();
        long Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (long)command.ExecuteScalar()!;
        }

        var cut = (now.AddDays(-2).ToUnixTimeSeconds() / 3600) * 60;
        Assert.Equal(0, Scalar($"SELECT count(*) FROM analytics_minute WHERE minute < {cut}"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM analytics_minute"));
        Assert.Equal(600, Scalar("SELECT sum(count) FROM analytics_hour"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM analytics_errors"));

        // Running again changes nothing; the batch id is forgotten only once it is older than the minute window.
        var again = job.RunOnce(now);
        Assert.Equal((0, 0, 0, 0), (again.MinuteRowsRolled, again.HourRowsDeleted, again.ErrorSamplesDeleted, again.BatchIdsForgotten));
        Assert.Equal(1, job.RunOnce(now.AddDays(3)).BatchIdsForgotten);
    }
}
