using EdgeProxy.Manager.Accounts;

namespace EdgeProxy.Manager.Analytics.Alerts;

/// <summary>
/// <c>/api/analytics/slos</c> and <c>/api/analytics/alerts</c>: admins define SLOs and rules; admins and
/// publishers read SLO status, rules (without secrets), states and the fired/resolved history.
/// </summary>
public static class AlertEndpoints
{
    public static void Map(WebApplication app)
    {
        var read = app.MapGroup("/api/analytics").RequireAuthorization(policy => policy.RequireRole(Roles.Admin, Roles.Publisher)).WithTags("analytics");
        var write = app.MapGroup("/api/analytics").RequireAuthorization(Roles.Admin).DisableAntiforgery().WithTags("analytics");

        read.MapGet("/slos", (AlertEvaluator evaluator, TimeProvider time) => evaluator.SloStatuses(time.GetUtcNow()));
        write.MapPost("/slos", (SloRequest request, AlertStore alerts) =>
            request.Api is not { Length: > 0 } || request.Availability is not (> 0 and < 1) || request.WindowDays is < 1 or > 400
                ? Results.Problem("An SLO needs 'api', 'availability' between 0 and 1 (e.g. 0.999) and 'windowDays' 1…400.", statusCode: StatusCodes.Status400BadRequest)
                : Results.Ok(alerts.AddSlo(request.Api, request.Availability, request.P99Us, request.WindowDays ?? 30)));

        read.MapGet("/alerts", (AlertStore alerts) =>
        {
            var states = alerts.States();
            return new
            {
                rules = alerts.Rules().Select(r => new { rule = r.Public(), state = states.GetValueOrDefault(r.Id) }),
                events = alerts.Events(100),
            };
        });
        write.MapPost("/alerts/rules", (RuleRequest request, AlertStore alerts) =>
        {
            var error = request.Validate(alerts);
            return error is not null
                ? Results.Problem(error, statusCode: StatusCodes.Status400BadRequest)
                : Results.Ok(alerts.AddRule(new AlertRule(0, request.Name!, request.Kind!, request.Api, request.Metric, request.Threshold, request.WindowMinutes,
                    request.ShortWindowMinutes, request.SloId, request.WebhookUrl!, request.WebhookSecret!)).Public());
        });
        write.MapDelete("/alerts/rules/{id:long}", (long id, AlertStore alerts) => alerts.DeleteRule(id) ? Results.NoContent() : Results.NotFound());
        write.MapPost("/alerts/evaluate", async (AlertEvaluator evaluator, TimeProvider time) => await evaluator.EvaluateOnceAsync(time.GetUtcNow()));
    }

    public sealed record SloRequest(string? Api, double Availability, long? P99Us, long? WindowDays);

    public sealed record RuleRequest(string? Name, string? Kind, string? Api, string? Metric, double Threshold, long WindowMinutes, long? ShortWindowMinutes,
        long? SloId, string? WebhookUrl, string? WebhookSecret)
    {
        public string? Validate(AlertStore alerts)
        {
            if (string.IsNullOrWhiteSpace(Name) || Name.Length > 200)
            {
                return "'name' is required (at most 200 characters).";
            }

            if (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                return "'webhookUrl' must be an http(s) URL.";
            }

            if (WebhookSecret is not { Length: >= 16 })
            {
                return "'webhookSecret' must be at least 16 characters (it signs each notification).";
            }

            if (WindowMinutes is < 1 or > 60 * 24 * 31)
            {
                return "'windowMinutes' must be 1…44640.";
            }

            return Kind switch
            {
                "threshold" when Array.IndexOf(AlertRule.Metrics, Metric) < 0 => $"'metric' must be one of {string.Join(", ", AlertRule.Metrics)}.",
                "threshold" => null,
                "burn_rate" when SloId is not { } id || alerts.Slos().All(s => s.Id != id) => "'sloId' must name an existing SLO.",
                "burn_rate" when ShortWindowMinutes is not { } shortWindow || shortWindow < 1 || shortWindow >= WindowMinutes => "'shortWindowMinutes' must be at least 1 and shorter than 'windowMinutes'.",
                "burn_rate" => null,
                "anomaly" when Metric is not ("requests" or "error_rate") => "'metric' of an anomaly rule must be 'requests' or 'error_rate'.",
                "anomaly" when Threshold <= 0 => "'threshold' of an anomaly rule is a z-score above 0 (e.g. 3).",
                "anomaly" => null,
                _ => "'kind' must be 'threshold', 'burn_rate' or 'anomaly'.",
            };
        }
    }
}
