namespace EdgeProxy.Manager.Analytics.Alerts;

/// <summary>
/// A service level objective for one API: the share of requests that must not be errors (5xx or any error kind)
/// over <see cref="WindowDays"/>, and optionally a p99 latency bound. Its error budget is 1 − availability.
/// </summary>
public sealed record SloDefinition(long Id, string Api, double Availability, long? P99Us, long WindowDays);

/// <summary>Where an SLO stands now: availability and p99 over its window, budget left, and burn rates (1 = on budget).</summary>
public sealed record SloStatus(SloDefinition Slo, long Requests, double Availability, double BudgetRemaining, double BurnRate1h, double BurnRate5m, double P99Us, bool P99Met);
