namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// Combines per-file fragments: listeners, clusters, routes, consumers, plans and apis concatenate in file order, so
/// any file may own a slice of them (the manager owns <c>consumers.toml</c>); the process-wide sections may come
/// from one file only, as two files both setting <c>[limits]</c> would leave the effective value to file-name order.
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
        ApiKeySettings? apiKeys = null;
        RateLimitingConfig? rateLimiting = null;
        QuotaStoreConfig? quotaStore = null;
        ClusterModeConfig? clusterMode = null;
        CacheSettings? cache = null;
        AnalyticsSettings? analytics = null;
        var consumers = new List<ConsumerConfig>();
        var plans = new List<PlanConfig>();
        var apis = new List<ApiConfig>();
        foreach (var fragment in fragments)
        {
            gateway = Single(gateway, fragment.Gateway, "[gateway]", positions, errors);
            limits = Single(limits, fragment.Limits, "[limits]", positions, errors);
            admin = Single(admin, fragment.Admin, "[admin]", positions, errors);
            listeners.AddRange(fragment.Listeners);
            clusters.AddRange(fragment.Clusters);
            routes.AddRange(fragment.Routes);
            apiKeys = Single(apiKeys, fragment.ApiKeys, "[api_keys]", positions, errors);
            rateLimiting = Single(rateLimiting, fragment.RateLimiting, "[rate_limiting]", positions, errors);
            quotaStore = Single(quotaStore, fragment.QuotaStore, "[quota_store]", positions, errors);
            clusterMode = Single(clusterMode, fragment.ClusterMode, "[cluster]", positions, errors);
            cache = Single(cache, fragment.Cache, "[cache]", positions, errors);
            analytics = Single(analytics, fragment.Analytics, "[analytics]", positions, errors);
            consumers.AddRange(fragment.Consumers);
            plans.AddRange(fragment.Plans);
            apis.AddRange(fragment.Apis);
        }

        return new GatewayConfig
        {
            Gateway = gateway ?? new GatewaySettings(),
            Limits = limits ?? new HttpLimitsConfig(),
            Admin = admin ?? new AdminConfig(),
            Listeners = listeners.ToArray(),
            Clusters = clusters.ToArray(),
            Routes = routes.ToArray(),
            ApiKeys = apiKeys ?? new ApiKeySettings(),
            RateLimiting = rateLimiting ?? new RateLimitingConfig(),
            QuotaStore = quotaStore ?? new QuotaStoreConfig(),
            ClusterMode = clusterMode ?? new ClusterModeConfig(),
            Cache = cache ?? new CacheSettings(),
            Analytics = analytics ?? new AnalyticsSettings(),
            Consumers = consumers.ToArray(),
            Plans = plans.ToArray(),
            Apis = apis.ToArray(),
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
