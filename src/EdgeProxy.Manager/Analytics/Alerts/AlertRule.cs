namespace EdgeProxy.Manager.Analytics.Alerts;

/// <summary>
/// An alert rule. <c>threshold</c>: <see cref="Metric"/> (<c>error_rate</c> 0…1, <c>p99_us</c>,
/// <c>overhead_p99_us</c>, <c>requests</c>) over the last <see cref="WindowMinutes"/> above <see cref="Threshold"/>.
/// <c>burn_rate</c>: the SLO's error-budget burn rate above <see cref="Threshold"/> (e.g. 14.4) in both the long
/// window (<see cref="WindowMinutes"/>) and the short one (<see cref="ShortWindowMinutes"/>): the long window says the
/// budget is really going, the short one that it still is (so the alert resolves soon after the errors stop).
/// <c>anomaly</c>: <see cref="Metric"/> (<c>requests</c> or <c>error_rate</c>) over the window, as a z-score against the
/// same window at the same hour of the week in earlier weeks; fires on |z| above <see cref="Threshold"/> (spike or drop).
/// The webhook secret signs each notification and is never returned by the API.
/// </summary>
public sealed record AlertRule(
    long Id,
    string Name,
    string Kind,
    string? Api,
    string? Metric,
    double Threshold,
    long WindowMinutes,
    long? ShortWindowMinutes,
    long? SloId,
    string WebhookUrl,
    string WebhookSecret)
{
    public static readonly string[] Metrics = ["error_rate", "p99_us", "overhead_p99_us", "requests"];

    public object Public() => new { Id, Name, Kind, Api, Metric, Threshold, WindowMinutes, ShortWindowMinutes, SloId, WebhookUrl };
}

/// <summary>A rule's current state (no row yet: not firing).</summary>
public sealed record AlertState(long RuleId, bool Firing, long Since, double Value, bool Notified);

public sealed record AlertEvent(long Id, long RuleId, long At, string Status, double Value, bool Delivered);
