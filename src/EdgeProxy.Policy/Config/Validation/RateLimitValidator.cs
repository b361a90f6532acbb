using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// <c>rate_limits</c> of routes and <c>auth</c>: each limit well-formed, consumer scopes only behind API-key
/// auth, and a cross-route limit (scope <c>ip</c> or <c>consumer</c>) declared the same wherever its name appears,
/// since those declarations share one set of buckets.
/// </summary>
internal sealed class RateLimitValidator : IConfigValidator
{
    private const string Section = "[[routes.rate_limits]]";

    public void Validate(ValidationContext context)
    {
        var shared = new Dictionary<(RateLimitScope, string), (RateLimitConfig Limit, RouteConfig Route)>();
        foreach (var route in context.Config.Routes)
        {
            RateLimitChecks.Limits(context, route.RateLimits, Section, Checks.Name("route", route.Id));
            foreach (var limit in route.RateLimits)
            {
                var p = context.Of(limit);
                if (!p.Has("scope"))
                {
                    if (!p.IsInvalid("scope"))
                    {
                        context.Error(p.Header, $"missing key 'scope' in {Section}: \"route\", \"ip\", \"consumer\", \"route_ip\" or \"route_consumer\"");
                    }

                    continue;
                }

                if (limit.Scope is RateLimitScope.Consumer or RateLimitScope.RouteConsumer && route.Auth != RouteAuth.ApiKey && !context.Of(route).IsInvalid("auth"))
                {
                    context.Error(p.Value("scope"), $"rate limit \"{limit.Name}\" is per consumer, but {Checks.Name("route", route.Id)} does not identify consumers; add auth = \"api_key\" to the route");
                }

                if (limit.Scope is not (RateLimitScope.Ip or RateLimitScope.Consumer) || limit.Name.Length == 0)
                {
                    continue;
                }

                if (!shared.TryGetValue((limit.Scope, limit.Name), out var first))
                {
                    shared.Add((limit.Scope, limit.Name), (limit, route));
                }
                else if (!first.Limit.Equals(limit))
                {
                    context.Error(p.Header, $"rate limit \"{limit.Name}\" (scope \"{ScopeName(limit.Scope)}\") is shared by every route that declares it, but {Checks.Name("route", route.Id)} declares it differently from {Checks.Name("route", first.Route.Id)} at {context.Of(first.Limit).Header}; declare it the same everywhere or give it another name");
                }
            }
        }
    }

    public static string ScopeName(RateLimitScope scope) => scope switch
    {
        RateLimitScope.Route => "route",
        RateLimitScope.Ip => "ip",
        RateLimitScope.Consumer => "consumer",
        RateLimitScope.RouteIp => "route_ip",
        _ => "route_consumer",
    };
}
