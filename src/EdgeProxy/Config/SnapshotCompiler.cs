using EdgeProxy.Observability;
using EdgeProxy.Policies;
using EdgeProxy.Policy.Config;
using EdgeProxy.Routing;
using EdgeProxy.Upstreams;

namespace EdgeProxy.Config;

/// <summary>
/// Turns a validated <see cref="GatewayConfig"/> into a <see cref="PolicySnapshot"/>. Runtime objects whose
/// config is unchanged are carried over from the previous snapshot (clusters keep their warm connection pools,
/// routes keep their metric children); the rest are built new.
/// </summary>
internal static class SnapshotCompiler
{
    public static PolicySnapshot Compile(GatewayConfig config, string version, IReadOnlyList<string> files, PolicySnapshot? previous, UpstreamConnector connector, PolicyRuntime policies)
    {
        var access = CompiledAccess.Compile(config, policies);
        var clusters = new Dictionary<string, UpstreamCluster>(StringComparer.Ordinal);
        foreach (var clusterConfig in config.Clusters)
        {
            if (previous is not null && previous.Clusters.TryGetValue(clusterConfig.Id, out var old) && old.Config.Equals(clusterConfig))
            {
                clusters[clusterConfig.Id] = old;
            }
            else
            {
                clusters[clusterConfig.Id] = new UpstreamCluster(clusterConfig, connector);
            }
        }

        var lifecycles = RouteLifecycleCompiler.Compile(config);
        var metrics = new Dictionary<string, RouteMetrics>(StringComparer.Ordinal);
        var routes = new List<CompiledRoute>(config.Routes.Count);
        for (var i = 0; i < config.Routes.Count; i++)
        {
            var routeConfig = config.Routes[i];
            var routeMetrics = previous is not null && previous.RouteMetrics.TryGetValue(routeConfig.Id, out var m) ? m : new RouteMetrics(routeConfig.Id);
            metrics[routeConfig.Id] = routeMetrics;
            routes.Add(new CompiledRoute(routeConfig, i, clusters[routeConfig.Cluster], config.Limits.MaxBodyBytes, routeMetrics, access.Limits.Routes[i],
                lifecycles.GetValueOrDefault(routeConfig.Id)));
        }

        return new PolicySnapshot(config, version, files, new RouteTable(routes), clusters, metrics, access);
    }

    /// <summary>After a swap: pools of clusters the new snapshot no longer uses are closed.</summary>
    public static void RetireUnused(PolicySnapshot previous, PolicySnapshot current)
    {
        foreach (var (id, cluster) in previous.Clusters)
        {
            if (!current.Clusters.TryGetValue(id, out var kept) || !ReferenceEquals(kept, cluster))
            {
                cluster.Retire();
            }
        }
    }
}
