using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Analytics.Alerts;

/// <summary>
/// Evaluates every rule each <see cref="AnalyticsSettings.AlertInterval"/> against the rollups, and on a change (not firing → firing, or
/// back) records an event and POSTs a JSON notification to the rule's webhook, signed like ingest batches
/// (<c>X-EdgeProxy-Signature: t=…,v1=HMAC-SHA256(secret, "t." + body)</c>). A notification that fails is retried at
/// the next evaluation until the receiver takes it (2xx); only the newest state is sent.
/// </summary>
public sealed class AlertEvaluator(AlertStore alerts, AnalyticsQueries queries, ManagerOptions options, TimeProvider time, ILogger<AlertEvaluator> log) : BackgroundService
{
    private static readonly HttpClient Webhooks = new() { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<IReadOnlyList<AlertState>> EvaluateOnceAsync(DateTimeOffset now, CancellationToken cancel = default)
    {
        var slos = alerts.Slos().ToDictionary(s => s.Id);
        var states = alerts.States();
        var result = new List<AlertState>();
        foreach (var rule in alerts.Rules())
        {
            var value = Value(rule, slos, now);
            var firing = rule.Kind == "anomaly" ? Math.Abs(value) > rule.Threshold : value > rule.Threshold;
            var previous = states.GetValueOrDefault(rule.Id) ?? new AlertState(rule.Id, false, 0, 0, true);
            var changed = firing != previous.Firing;
            var state = changed
                ? new AlertState(rule.Id, firing, now.ToUnixTimeSeconds(), value, Notified: false)
                : previous with { Value = value };
            if (!state.Notified && await NotifyAsync(rule, state, now, cancel))
            {
                state = state with { Notified = true };
                alerts.Save(state, changed);
                alerts.MarkDelivered(rule.Id, state.Firing ? "firing" : "resolved");
            }
            else
            {
                alerts.Save(state, changed);
            }

            result.Add(state);
        }

        return result;
    }

    /// <summary>
    /// The rule's measured value now: for burn_rate the smaller of the two windows' burn rates; for anomaly the
    /// signed z-score (positive: spike, negative: drop).
    /// </summary>
    public double Value(AlertRule rule, IReadOnlyDictionary<long, SloDefinition> slos, DateTimeOffset now)
    {
        if (rule.Kind == "anomaly")
        {
            return AnomalyScore(rule, now);
        }

        if (rule.Kind == "burn_rate")
        {
            if (rule.SloId is not { } sloId || !slos.TryGetValue(sloId, out var slo))
            {
                return 0;
            }

            var budget = 1 - slo.Availability;
            var longBurn = FailureRate(Cell(slo.Api, now - TimeSpan.FromMinutes(rule.WindowMinutes), now)) / budget;
            var shortBurn = FailureRate(Cell(slo.Api, now - TimeSpan.FromMinutes(rule.ShortWindowMinutes ?? rule.WindowMinutes), now)) / budget;
            return Math.Min(longBurn, shortBurn);
        }

        var cell = Cell(rule.Api, now - TimeSpan.FromMinutes(rule.WindowMinutes), now);
        return rule.Metric switch
        {
            "error_rate" => ErrorRate(cell),
            "p99_us" => cell.Total.Quantile(0.99),
            "overhead_p99_us" => cell.Overhead.Quantile(0.99),
            "requests" => cell.Count,
            _ => 0,
        };
    }

    public IReadOnlyList<SloStatus> SloStatuses(DateTimeOffset now) => [.. alerts.Slos().Select(slo =>
    {
        var window = Cell(slo.Api, now - TimeSpan.FromDays(slo.WindowDays), now);
        var budget = 1 - slo.Availability;
        var errorRate = FailureRate(window);
        var p99 = window.Total.Quantile(0.99);
        return new SloStatus(slo, window.Count, 1 - errorRate, 1 - (errorRate / budget),
            FailureRate(Cell(slo.Api, now - TimeSpan.FromHours(1), now)) / budget,
            FailureRate(Cell(slo.Api, now - TimeSpan.FromMinutes(5), now)) / budget,
            p99, slo.P99Us is not { } bound || p99 <= bound);
    })];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Analytics.AlertInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await EvaluateOnceAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Alert evaluation failed");
            }
        }
    }

    private RollupCell Cell(string? api, DateTimeOffset from, DateTimeOffset to)
    {
        var cell = new RollupCell();
        foreach (var row in queries.Rows(new AnalyticsFilter(from, to, Api: api)))
        {
            cell.Add(row);
        }

        return cell;
    }

    /// <summary>
    /// Seasonality-aware baseline: the same window at the same hour of the week in each of the last
    /// <see cref="AnomalyWeeks"/> weeks that had traffic (at least 3 needed, else 0). The z-score's spread has a floor
    /// (√mean for counts, Poisson noise; 0.5 percentage points for error rates) so a flat history does not turn
    /// ordinary noise into an alert.
    /// </summary>
    private double AnomalyScore(AlertRule rule, DateTimeOffset now)
    {
        var window = TimeSpan.FromMinutes(rule.WindowMinutes);
        var requests = rule.Metric == "requests";
        double Measure(RollupCell cell) => requests ? cell.Count : ErrorRate(cell);
        var history = new List<double>(AnomalyWeeks);
        for (var week = 1; week <= AnomalyWeeks; week++)
        {
            var end = now.AddDays(-7 * week);
            var cell = Cell(rule.Api, end - window, end);
            if (cell.Count > 0)
            {
                history.Add(Measure(cell));
            }
        }

        if (history.Count < 3)
        {
            return 0;
        }

        var mean = history.Average();
        var spread = Math.Sqrt(history.Sum(v => (v - mean) * (v - mean)) / (history.Count - 1));
        spread = Math.Max(spread, requests ? Math.Sqrt(Math.Max(mean, 1)) : 0.005);
        return (Measure(Cell(rule.Api, now - window, now)) - mean) / spread;
    }

    public const int AnomalyWeeks = 8;

    private static double ErrorRate(RollupCell cell) => cell.Count == 0 ? 0 : cell.Errors / (double)cell.Count;

    // SLO availability and burn rates count failures only (5xx, upstream error kinds), not denials or client errors.
    private static double FailureRate(RollupCell cell) => cell.Count == 0 ? 0 : cell.Failures / (double)cell.Count;

    private async Task<bool> NotifyAsync(AlertRule rule, AlertState state, DateTimeOffset now, CancellationToken cancel)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            status = state.Firing ? "firing" : "resolved",
            rule = new { id = rule.Id, name = rule.Name, kind = rule.Kind, api = rule.Api, metric = rule.Metric, threshold = rule.Threshold, windowMinutes = rule.WindowMinutes, sloId = rule.SloId },
            value = state.Value,
            since = DateTimeOffset.FromUnixTimeSeconds(state.Since),
            sentAt = now,
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, rule.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(AnalyticsSignature.HeaderName,
            AnalyticsSignature.Create(Encoding.UTF8.GetBytes(rule.WebhookSecret), time.GetUtcNow().ToUnixTimeSeconds(), body));
        try
        {
            using var response = await Webhooks.SendAsync(request, cancel).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }

            log.LogWarning("Alert webhook for rule {Rule} answered {Status}; retrying at the next evaluation", rule.Id, (int)response.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            log.LogWarning("Alert webhook for rule {Rule} failed ({Error}); retrying at the next evaluation", rule.Id, e.Message);
        }

        return false;
    }
}
