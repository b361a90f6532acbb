using EdgeProxy.Policy.Config;
using EdgeProxy.Routing;

namespace EdgeProxy.Analytics;

/// <summary>A route's analytics settings, compiled with the route: interned names (route, API, version) and success sampling.</summary>
internal sealed class RouteAnalytics(RouteConfig config, RouteLifecycle? lifecycle)
{
    public int Name { get; } = AnalyticsNames.Intern(config.Id);

    /// <summary>The API the route serves and its version; 0 for a route of no API.</summary>
    public int Api { get; } = AnalyticsNames.Intern(lifecycle?.ApiId ?? "");

    public int ApiVersion { get; } = AnalyticsNames.Intern(lifecycle?.Version ?? "");

    /// <summary>The share of successful requests recorded; errors are always recorded.</summary>
    public double Sample { get; } = config.Analytics?.Sample ?? 1.0;

    /// <summary>Sampling decision for one request; no allocation (<see cref="Random.Shared"/> is thread-local state).</summary>
    public bool Keep(bool isError) => isError || Sample >= 1.0 || (Sample > 0 && Random.Shared.NextDouble() < Sample);
}
