using EdgeProxy.Policy.Config;

namespace EdgeProxy.Analytics;

/// <summary>A route's analytics settings, compiled with the route: its interned name and its success sampling.</summary>
internal sealed class RouteAnalytics(RouteConfig config)
{
    public int Name { get; } = AnalyticsNames.Intern(config.Id);

    /// <summary>The share of successful requests recorded; errors are always recorded.</summary>
    public double Sample { get; } = config.Analytics?.Sample ?? 1.0;

    /// <summary>Sampling decision for one request; no allocation (<see cref="Random.Shared"/> is thread-local state).</summary>
    public bool Keep(bool isError) => isError || Sample >= 1.0 || (Sample > 0 && Random.Shared.NextDouble() < Sample);
}
