using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// Every limit of one config revision, built against the long-lived <see cref="RateLimiterTable"/> so that
/// unchanged declarations keep their buckets. Arrays are indexed like <see cref="GatewayConfig.Routes"/> and
/// <see cref="GatewayConfig.Plans"/>; a route or plan without limits gets an empty array.
/// </summary>
internal sealed class CompiledRateLimits
{
    private CompiledRateLimits(RateLimit[][] routes, RateLimit[][] plans, RateLimit[] all, RateLimitingConfig settings)
    {
        Routes = routes;
        Plans = plans;
        All = all;
        Settings = settings;
        var maxRoute = 0;
        foreach (var limits in routes)
        {
            maxRoute = Math.Max(maxRoute, limits.Length);
        }

        var maxPlan = 0;
        foreach (var limits in plans)
        {
            maxPlan = Math.Max(maxPlan, limits.Length);
        }

        MaxPerRequest = maxRoute + maxPlan;
    }

    /// <summary>Per route, in <see cref="GatewayConfig.Routes"/> order.</summary>
    public RateLimit[][] Routes { get; }

    /// <summary>Per plan, in <see cref="GatewayConfig.Plans"/> order.</summary>
    public RateLimit[][] Plans { get; }

    /// <summary>New connections per client address (<c>[limits] connection_rate_per_ip</c>); null when unlimited.</summary>
    public RateLimit? Accept { get; private init; }

    /// <summary>Each limit once (metrics, admin).</summary>
    public RateLimit[] All { get; }

    public RateLimitingConfig Settings { get; }

    /// <summary>Most limits one request can meet: the size of a status buffer that never truncates.</summary>
    public int MaxPerRequest { get; }

    public static CompiledRateLimits Compile(GatewayConfig config, RateLimiterTable table)
    {
        table.Capacity = config.RateLimiting.MaxBuckets;
        var identities = new HashSet<string>(StringComparer.Ordinal);
        var all = new List<RateLimit>();
        var routes = new RateLimit[config.Routes.Count][];
        for (var i = 0; i < routes.Length; i++)
        {
            var route = config.Routes[i];
            routes[i] = Define(table, route.RateLimits, limit => IdentityOf(route.Id, limit), identities, all);
        }

        var plans = new RateLimit[config.Plans.Count][];
        for (var i = 0; i < plans.Length; i++)
        {
            var plan = config.Plans[i];
            plans[i] = Define(table, plan.RateLimits, limit => $"plan/{plan.Id}/{limit.Name}", identities, all);
        }

        // [limits] connection_rate_per_ip: a bucket per client address, taken once per accepted connection.
        RateLimit? accept = null;
        if (config.Limits.ConnectionRateTokens > 0)
        {
            const string Identity = "accept/connection_rate_per_ip";
            accept = table.Define(Identity, new RateLimitConfig
            {
                Name = "connection_rate_per_ip",
                Scope = RateLimitScope.Ip,
                Tokens = config.Limits.ConnectionRateTokens,
                Period = config.Limits.ConnectionRatePeriod,
                Burst = config.Limits.ConnectionBurstPerIp,
            });
            identities.Add(Identity);
            all.Add(accept);
        }

        table.Retain(identities);
        return new CompiledRateLimits(routes, plans, [.. all], config.RateLimiting) { Accept = accept };
    }

    /// <summary>
    /// Stable across reloads and unambiguous (ids cannot contain '/'): route-bound scopes include the route id,
    /// cross-route scopes only the name, so every route declaring them shares one set of buckets.
    /// </summary>
    public static string IdentityOf(string routeId, RateLimitConfig limit) => limit.Scope switch
    {
        RateLimitScope.Route => $"route/{routeId}/{limit.Name}",
        RateLimitScope.RouteIp => $"route_ip/{routeId}/{limit.Name}",
        RateLimitScope.RouteConsumer => $"route_consumer/{routeId}/{limit.Name}",
        RateLimitScope.Ip => $"ip/{limit.Name}",
        _ => $"consumer/{limit.Name}",
    };

    private static RateLimit[] Define(RateLimiterTable table, EquatableArray<RateLimitConfig> configs, Func<RateLimitConfig, string> identityOf,
        HashSet<string> identities, List<RateLimit> all)
    {
        if (configs.Count == 0)
        {
            return [];
        }

        var limits = new RateLimit[configs.Count];
        for (var i = 0; i < limits.Length; i++)
        {
            var identity = identityOf(configs[i]);
            limits[i] = table.Define(identity, configs[i]);
            if (identities.Add(identity))
            {
                all.Add(limits[i]);
            }
        }

        return limits;
    }
}
