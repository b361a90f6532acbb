using System.Net;
using System.Net.Http.Json;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// The query API over batches ingested through HTTP: exact counts per step and dimension, percentiles within the
/// sketch's stated error of the exact values, error groups with their change point, CSV, and who may see what.
/// </summary>
public sealed class QueryTests
{
    [Fact]
    public async Task Percentiles_over_many_minutes_and_batches_are_within_the_stated_relative_error_of_the_exact_values()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var ingest = host.Manager.Client();
        var start = new DateTimeOffset(DateTimeOffset.UtcNow.Year, DateTimeOffset.UtcNow.Month, DateTimeOffset.UtcNow.Day, DateTimeOffset.UtcNow.Hour, 0, 0, TimeSpan.Zero).AddHours(-2);
        var random = new Random(42);
        var totals = new List<long>();
        var overheads = new List<long>();
        for (var batch = 0; batch < 20; batch++)
        {
            var builder = new BatchBuilder();
            for (var i = 0; i < 500; i++)
            {
                // Log-normal-ish latencies from ~100 µs to ~seconds, with a heavy tail.
                var total = (long)Math.Exp(random.NextDouble() * 9 + 4.6 + (random.Next(100) == 0 ? 3 : 0));
                var upstream = total * random.Next(50, 100) / 100;
                builder.Add(start.AddSeconds((batch * 500) + i), "orders", "c" + (i % 3), 200, total, upstream);
                totals.Add(total);
                overheads.Add(total - upstream);
            }

            Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: (ulong)batch + 1))).StatusCode);
        }

        using var admin = await host.Manager.AdminAsync();
        var series = await AnalyticsTestHost.GetAsync<Series>(admin, $"/api/analytics/series?from={start.ToUnixTimeSeconds()}&to={start.AddHours(3).ToUnixTimeSeconds()}&step=600");
        Assert.Equal(LatencySketch.RelativeError, series.RelativeError);
        Assert.Equal(totals.Count, series.Total.Requests);
        Assert.Equal(totals.Count, series.Points.Sum(p => p.Requests));
        AssertWithin(Exact(totals, 0.50), series.Total.P50Us);
        AssertWithin(Exact(totals, 0.95), series.Total.P95Us);
        AssertWithin(Exact(totals, 0.99), series.Total.P99Us);

        // Per step too: the first 10-minute step holds records 0…599.
        var first = totals.Take(600).ToList();
        Assert.Equal(600, series.Points[0].Requests);
        AssertWithin(Exact(first, 0.99), series.Points[0].P99Us);
        AssertWithin(Exact(overheads.Take(600).ToList(), 0.99), series.Points[0].OverheadP99Us);
        Assert.Equal(600 / 600.0, series.Points[0].RequestsPerSecond, 6);
    }

    [Fact]
    public async Task Top_lists_and_error_groups_count_exactly_and_name_where_the_current_run_of_errors_started()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var ingest = host.Manager.Client();
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-50);
        var builder = new BatchBuilder();
        for (var i = 0; i < 30; i++)
        {
            builder.Add(t0.AddSeconds(i), "orders", "alice", 200, 1000, 900, api: "orders-api", cache: i % 3 == 0 ? AnalyticsCacheStatus.Hit : AnalyticsCacheStatus.Miss);
        }

        for (var i = 0; i < 12; i++)
        {
            builder.Add(t0.AddSeconds(i), "billing", "bob", 200, 1000, 900, api: "billing-api");
        }

        // connect_refused to one endpoint: a first run, 20 minutes of quiet, then a second run (the change point).
        for (var i = 0; i < 3; i++)
        {
            builder.Add(t0.AddSeconds(i * 10), "orders", "alice", 502, 300, 0, upstream: "http://10.0.0.9:80", error: AnalyticsErrorKind.ConnectRefused, api: "orders-api", requestId: $"refused-{builder.Records.Count}");
        }

        for (var i = 0; i < 5; i++)
        {
            builder.Add(t0.AddMinutes(25).AddSeconds(i * 30), "orders", "bob", 502, 300, 0, upstream: "http://10.0.0.9:80", error: AnalyticsErrorKind.ConnectRefused, api: "orders-api", requestId: $"refused-{builder.Records.Count}");
        }

        for (var i = 0; i < 4; i++)
        {
            builder.Add(t0.AddMinutes(1), "billing", "bob", 503, 5000, 4900, api: "billing-api");
        }

        builder.Add(t0.AddMinutes(2), "billing", "", 429, 50, 0, upstream: "", error: AnalyticsErrorKind.RateLimited, policy: "per-consumer", api: "billing-api");
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

        using var admin = await host.Manager.AdminAsync();
        var range = AnalyticsTestHost.Around(t0);
        var consumers = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, "/api/analytics/top/consumer?" + range);
        Assert.Equal(["alice", "bob", ""], consumers.Select(c => c.Name));
        Assert.Equal([33L, 21L, 1L], consumers.Select(c => c.Requests));
        Assert.Equal([3L, 9L, 1L], consumers.Select(c => c.Errors));

        var routes = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, "/api/analytics/top/route?" + range);
        Assert.Equal(38, routes.Single(r => r.Name == "orders").Requests);
        Assert.Equal(10.0 / 30, routes.Single(r => r.Name == "orders").CacheHitRatio!.Value, 9);
        var statuses = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, "/api/analytics/top/status?" + range);
        Assert.Equal(42, statuses.Single(s => s.Name == "2xx").Requests);
        Assert.Equal(12, statuses.Single(s => s.Name == "5xx").Requests);
        Assert.Equal(1, statuses.Single(s => s.Name == "4xx").Requests);

        // Drill-down: one API, one consumer.
        var billing = await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?api=billing-api&" + range);
        Assert.Equal(17, billing.Total.Requests);
        var bobOnOrders = await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?api=orders-api&consumer=bob&" + range);
        Assert.Equal(5, bobOnOrders.Total.Requests);

        var errors = await AnalyticsTestHost.GetAsync<List<ErrorGroup>>(admin, "/api/analytics/errors?" + range);
        var refused = errors[0];
        Assert.Equal(("orders", "http://10.0.0.9:80", "connect_refused", 8L), (refused.Route, refused.Upstream, refused.ErrorKind, refused.Count));
        Assert.Equal(t0.AddMinutes(25).ToUnixTimeSeconds(), refused.StartedAt.ToUnixTimeSeconds());
        Assert.Equal(t0.ToUnixTimeSeconds(), refused.FirstInRange.ToUnixTimeSeconds());
        Assert.Equal(3, refused.Examples.Count);
        Assert.All(refused.Examples, e => Assert.StartsWith("refused-", e.RequestId, StringComparison.Ordinal)); // the gateway's X-Request-Id
        Assert.Equal(4, errors.Single(e => e.ErrorKind == "http_503").Count);
        Assert.Equal("per-consumer", errors.Single(e => e.ErrorKind == "rate_limited").Examples.Single().Policy);

        // CSV of each: header plus one line per entry.
        var csv = await admin.GetStringAsync("/api/analytics/top/consumer?format=csv&" + range);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("consumer,requests,errors,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("alice,33,3,", lines[1], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        var errorCsv = (await admin.GetStringAsync("/api/analytics/errors?format=csv&" + range)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("orders,http://10.0.0.9:80,connect_refused,8,", errorCsv[1], StringComparison.Ordinal);
        var seriesCsv = (await admin.GetStringAsync("/api/analytics/series?format=csv&step=3600&" + range)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, seriesCsv.Length);
        Assert.Equal(55, seriesCsv.Skip(1).Sum(l => long.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Only_admins_and_publishers_query_everything_and_bad_parameters_are_400()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var anonymous = host.Manager.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/analytics/series")).StatusCode);
        using var developer = await host.Manager.DeveloperAsync("dev@example.com");
        foreach (var url in new[] { "/api/analytics/series", "/api/analytics/top/consumer", "/api/analytics/errors", "/api/analytics/ingest" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await developer.GetAsync(url)).StatusCode);
        }

        using var admin = await host.Manager.AdminAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/analytics/series?from=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/analytics/series?from=200&to=100")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/analytics/series?step=5")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/analytics/top/password")).StatusCode);
    }

    [Fact]
    public async Task A_publisher_sees_only_the_traffic_of_the_apis_their_team_owns()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var admin = await host.Manager.AdminAsync();
        await host.Manager.DeveloperAsync("pub@example.com", "publisher password");
        var users = await AnalyticsTestHost.GetAsync<System.Text.Json.JsonElement>(admin, "/api/admin/users");
        var pubId = users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == "pub@example.com").GetProperty("id").GetInt64();
        (await admin.PutAsJsonAsync($"/api/admin/users/{pubId}/role", new { role = "publisher" })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"/api/admin/users/{pubId}/team", new { team = "team-commerce" })).EnsureSuccessStatusCode(); // owns "orders"
        using var publisher = host.Manager.Client();
        (await publisher.PostAsJsonAsync("/api/session", new { email = "pub@example.com", password = "publisher password" })).EnsureSuccessStatusCode();

        var at = DateTimeOffset.UtcNow;
        var builder = new BatchBuilder();
        for (var i = 0; i < 5; i++)
        {
            builder.Add(at, "orders-v2", "alice", i == 0 ? 500 : 200, 1000, api: "orders");
        }

        for (var i = 0; i < 3; i++)
        {
            builder.Add(at, "billing-v1", "bob", 503, 1000, api: "billing");
        }

        builder.Add(at, "internal", "carol", 200, 1000);
        using (var ingest = host.Manager.Client())
        {
            Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);
        }

        var range = AnalyticsTestHost.Around(at);
        Assert.Equal(5, (await AnalyticsTestHost.GetAsync<Series>(publisher, "/api/analytics/series?" + range)).Total.Requests);
        Assert.Equal(0, (await AnalyticsTestHost.GetAsync<Series>(publisher, "/api/analytics/series?api=billing&" + range)).Total.Requests);
        Assert.Equal(["orders"], (await AnalyticsTestHost.GetAsync<List<TopEntry>>(publisher, "/api/analytics/top/api?" + range)).Select(e => e.Name));
        Assert.Equal(["alice"], (await AnalyticsTestHost.GetAsync<List<TopEntry>>(publisher, "/api/analytics/top/consumer?" + range)).Select(e => e.Name));
        Assert.Equal(["orders-v2"], (await AnalyticsTestHost.GetAsync<List<ErrorGroup>>(publisher, "/api/analytics/errors?" + range)).Select(e => e.Route));
        Assert.Equal(9, (await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?" + range)).Total.Requests);
    }

    private static double Exact(List<long> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Floor(q * (sorted.Count - 1))];
    }

    private static void AssertWithin(double exact, double estimate) =>
        Assert.True(Math.Abs(estimate - exact) <= exact * LatencySketch.RelativeError, $"estimate {estimate:F1} µs is not within {LatencySketch.RelativeError:P0} of {exact} µs");
}
