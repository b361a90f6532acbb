namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// Combines per-file fragments: listeners, clusters and routes concatenate in file order, so any file may
/// own a slice of them; the process-wide sections may come from one file only, as two files both setting
/// <c>[limits]</c> would leave the effective value to file-name order.
/// </summary>
internal static class ConfigMerger
{
    public static GatewayConfig Merge(IReadOnlyList<ConfigFragment> fragments, ConfigPositions positions, List<ConfigError> errors)
    {
        GatewaySettings? gateway = null;
        HttpLimitsConfig? limits = null;
        AdminConfig? admin = null;
        var listeners = new List<ListenerConfig>();
        var clusters = new List<ClusterConfig>();
        var routes = new List<RouteConfig>();
        foreach (var fragment in fragments)
        {
            gateway = Single(gateway, fragment.Gateway, "[gateway]", positions, errors);
            limits = Single(limits, fragment.Limits, "[limits]", positions, errors);
            admin = Single(admin, fragment.Admin, "[admin]", positions, errors);
            listeners.AddRange(fragment.Listeners);
            clusters.AddRange(fragment.Clusters);
            routes.AddRange(fragment.Routes);
        }

        return new GatewayConfig
        {
            Gateway = gateway ?? new GatewaySettings(),
            Limits = limits ?? new HttpLimitsConfig(),
            Admin = admin ?? new AdminConfig(),
            Listeners = listeners.ToArray(),
            Clusters = clusters.ToArray(),
            Routes = routes.ToArray(),
        };
    }

    private static T? Single<T>(T? first, T? next, string section, ConfigPositions positions, List<ConfigError> errors)
        where T : class
    {
        if (first is null || next is null)
        {
            return first ?? next;
        }

        var at = positions.Of(next).Header;
        var original = positions.Of(first).Header;
        errors.Add(at.Error($"{section} is already defined in {original.File} (line {original.Line}); it may appear in only one file"));
        return first;
    }
}
