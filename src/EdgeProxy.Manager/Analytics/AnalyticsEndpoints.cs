using System.Globalization;
using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using Prometheus;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// <c>/api/analytics/*</c>: time series, top lists and error groups as JSON, or CSV with <c>format=csv</c>
/// (admins everything, publishers the APIs their team owns); a developer's own app's series at <c>/api/analytics/apps/{id}/series</c>;
/// ingest counters as JSON and, for Prometheus, at <c>/metrics</c>.
/// Ranges: <c>from</c>/<c>to</c> as ISO 8601 or Unix seconds (default: the last hour), <c>step</c> in seconds.
/// </summary>
public static class AnalyticsEndpoints
{
    public static void Map(WebApplication app)
    {
        IngestEndpoint.Map(app);
        Alerts.AlertEndpoints.Map(app);

        var group = app.MapGroup("/api/analytics").RequireAuthorization(policy => policy.RequireRole(Roles.Admin, Roles.Publisher)).WithTags("analytics");
        group.MapGet("/series", (HttpRequest request, AnalyticsQueries queries, TimeProvider time) =>
            Query(request, time, filter => SeriesResult(queries.Series(filter, Step(request, filter)), request)));
        group.MapGet("/top/{dimension}", (string dimension, HttpRequest request, AnalyticsQueries queries, TimeProvider time) =>
            Array.IndexOf(AnalyticsQueries.Dimensions, dimension) < 0
                ? Results.Problem($"Unknown dimension '{dimension}' ({string.Join(", ", AnalyticsQueries.Dimensions)}).", statusCode: StatusCodes.Status400BadRequest)
                : Query(request, time, filter => TopResult(queries.Top(filter, dimension, Limit(request)), dimension, request)));
        group.MapGet("/errors", (HttpRequest request, AnalyticsQueries queries, TimeProvider time) =>
            Query(request, time, filter => ErrorsResult(queries.Errors(filter, Limit(request)), request)));
        group.MapGet("/ingest", (IngestCounters counters) => counters.Snapshot());

        // A developer sees the usage of their own app (its subscriptions' consumers), nothing else.
        app.MapGet("/api/analytics/apps/{appId:long}/series", (long appId, HttpRequest request, HttpContext context, SelfService apps, AnalyticsQueries queries, TimeProvider time) =>
            apps.App(context.User.ToActor(), appId) is not { } view
                ? Results.NotFound()
                : Query(request, time, filter =>
                {
                    var scoped = filter with { Consumers = [.. view.Subscriptions.Select(s => s.ConsumerId)], Apis = null };
                    return SeriesResult(queries.Series(scoped, Step(request, scoped)), request);
                }))
            .RequireAuthorization().WithTags("analytics");

        app.MapGet("/metrics", async (HttpContext context, IngestCounters counters) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await counters.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        }).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>Parses the range and dimension filters; a bad one is a 400 naming the parameter.</summary>
    private static IResult Query(HttpRequest request, TimeProvider time, Func<AnalyticsFilter, IResult> answer)
    {
        var now = time.GetUtcNow();
        if (!TryTime(request.Query["to"], now, out var to) || !TryTime(request.Query["from"], to - TimeSpan.FromHours(1), out var from))
        {
            return Results.Problem("'from' and 'to' must be ISO 8601 times or Unix seconds.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (from >= to)
        {
            return Results.Problem("'from' must be before 'to'.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (request.Query["step"] is { Count: > 0 } step && !(long.TryParse(step.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 60))
        {
            return Results.Problem("'step' must be a whole number of seconds, at least 60.", statusCode: StatusCodes.Status400BadRequest);
        }

        static string? Text(HttpRequest request, string name) => request.Query[name] is { Count: > 0 } v && v.ToString().Length > 0 ? v.ToString() : null;

        // A publisher sees the traffic of the APIs their team owns; an admin everything.
        var actor = request.HttpContext.User.ToActor();
        IReadOnlyList<string>? apis = actor.IsAdmin || actor.Role != Roles.Publisher
            ? null
            : [.. request.HttpContext.RequestServices.GetRequiredService<PolicyTable>().Current.Apis.Where(a => actor.Governs(a.Owner)).Select(a => a.Id)];
        return answer(new AnalyticsFilter(from, to, Text(request, "api"), Text(request, "route"), Text(request, "consumer"), Apis: apis));
    }

    private static TimeSpan Step(HttpRequest request, AnalyticsFilter filter)
    {
        if (long.TryParse(request.Query["step"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        // About 60 points, in whole minutes.
        var minutes = Math.Max(1, (long)Math.Ceiling((filter.To - filter.From).TotalMinutes / 60));
        return TimeSpan.FromMinutes(minutes);
    }

    private static int Limit(HttpRequest request) =>
        int.TryParse(request.Query["limit"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? Math.Clamp(limit, 1, 1000) : 10;

    private static bool TryTime(Microsoft.Extensions.Primitives.StringValues value, DateTimeOffset fallback, out DateTimeOffset at)
    {
        var text = value.ToString();
        if (text.Length == 0)
        {
            at = fallback;
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) && unix < 100_000_000_000)
        {
            at = DateTimeOffset.FromUnixTimeSeconds(unix);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);
    }

    private static bool Csv(HttpRequest request) => string.Equals(request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase);

    private static IResult SeriesResult(Series series, HttpRequest request) => !Csv(request) ? Results.Ok(series) : CsvExport.Result(series.Points, "series.csv",
        ("time", p => DateTimeOffset.FromUnixTimeSeconds(p.Time)), ("requests", p => p.Requests), ("requests_per_second", p => p.RequestsPerSecond),
        ("errors", p => p.Errors), ("error_rate", p => p.ErrorRate), ("p50_us", p => p.P50Us), ("p95_us", p => p.P95Us), ("p99_us", p => p.P99Us),
        ("upstream_p99_us", p => p.UpstreamP99Us), ("overhead_p99_us", p => p.OverheadP99Us), ("avg_upstream_us", p => p.AvgUpstreamUs),
        ("avg_overhead_us", p => p.AvgOverheadUs), ("cache_hit_ratio", p => p.CacheHitRatio), ("bytes_in", p => p.BytesIn), ("bytes_out", p => p.BytesOut),
        ("status_2xx", p => p.Status2xx), ("status_3xx", p => p.Status3xx), ("status_4xx", p => p.Status4xx), ("status_5xx", p => p.Status5xx));

    private static IResult TopResult(IReadOnlyList<TopEntry> entries, string dimension, HttpRequest request) => !Csv(request) ? Results.Ok(entries) : CsvExport.Result(entries, $"top-{dimension}.csv",
        (dimension, e => e.Name), ("requests", e => e.Requests), ("errors", e => e.Errors), ("error_rate", e => e.ErrorRate), ("p50_us", e => e.P50Us),
        ("p95_us", e => e.P95Us), ("p99_us", e => e.P99Us), ("avg_upstream_us", e => e.AvgUpstreamUs), ("avg_overhead_us", e => e.AvgOverheadUs),
        ("cache_hit_ratio", e => e.CacheHitRatio), ("bytes_in", e => e.BytesIn), ("bytes_out", e => e.BytesOut));

    private static IResult ErrorsResult(IReadOnlyList<ErrorGroup> groups, HttpRequest request) => !Csv(request) ? Results.Ok(groups) : CsvExport.Result(groups, "errors.csv",
        ("route", g => g.Route), ("upstream", g => g.Upstream), ("error_kind", g => g.ErrorKind), ("count", g => g.Count),
        ("first_in_range", g => g.FirstInRange), ("last_in_range", g => g.LastInRange), ("started_at", g => g.StartedAt),
        ("example_request_ids", g => string.Join(' ', g.Examples.Select(e => e.RequestId))),
        ("example_targets", g => string.Join(" | ", g.Examples.Select(e => e.Request is { } r ? e.Method + " " + r.Target : ""))));
}
