using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>Rules every rate limit and quota follows, wherever it is declared (routes, plans, consumers).</summary>
internal static class RateLimitChecks
{
    /// <summary>More than this per period is not a limit anyone means; it also keeps the bucket arithmetic far from overflow.</summary>
    public const long MaxTokens = 1_000_000_000;

    /// <summary>Counts share a 64-bit word with the period they belong to (37 bits of count).</summary>
    public const long MaxQuota = 100_000_000_000;

    /// <summary>Every request walks all of a route's and its plan's limits; more than this is a config mistake.</summary>
    public const int MaxPerList = 16;

    private static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(1);

    public static void Limit(ValidationContext context, RateLimitConfig limit, string section)
    {
        var p = context.Of(limit);
        Checks.Id(context, p, "name", section, limit.Name);
        if (!p.Has("rate"))
        {
            if (!p.IsInvalid("rate"))
            {
                context.Error(p.Header, $"missing key 'rate' in {section}, e.g. rate = \"100/s\"");
            }

            return;
        }

        if (p.IsInvalid("rate"))
        {
            return;
        }

        var rate = RateParser.Format(limit.Tokens, limit.Period);
        if (limit.Tokens < 1 || limit.Tokens > MaxTokens)
        {
            context.Error(p.Value("rate"), $"'rate' in {section} must allow from 1 to {MaxTokens} requests per period, found \"{rate}\"");
        }

        if (limit.Period > MaxPeriod)
        {
            context.Error(p.Value("rate"), $"'rate' in {section} must refill within a day (\"{rate}\" does not); use a plan quota for longer periods");
        }

        if (p.Has("burst"))
        {
            Checks.Range(context, p, "burst", section, limit.Burst, 1, MaxTokens);
        }

        // A shared bucket per client address would put a flood's every address into Redis; per-IP limits stay local.
        if (limit.Cluster && limit.Scope is RateLimitScope.Ip or RateLimitScope.RouteIp)
        {
            context.Error(p.Value("cluster"), $"'cluster = true' in {section} is for route and consumer scopes; per-address limits (scope \"{(limit.Scope == RateLimitScope.Ip ? "ip" : "route_ip")}\") are always local");
        }
    }

    /// <summary>A list of limits: each valid, and names unique within the list (they name the limit in headers).</summary>
    public static void Limits(ValidationContext context, EquatableArray<RateLimitConfig> limits, string section, string owner)
    {
        foreach (var limit in limits)
        {
            Limit(context, limit, section);
        }

        if (limits.Count > MaxPerList)
        {
            context.Error(context.Of(limits[MaxPerList]).Header, $"{owner} has {limits.Count} rate limits; at most {MaxPerList} are allowed");
        }

        var seen = new Dictionary<string, RateLimitConfig>(StringComparer.Ordinal);
        foreach (var limit in limits)
        {
            if (limit.Name.Length == 0)
            {
                continue;
            }

            if (seen.TryGetValue(limit.Name, out var first))
            {
                context.Error(context.Of(limit).Value("name"), $"rate limit name \"{limit.Name}\" appears twice in {owner} (first at {context.Of(first).Value("name")})");
            }
            else
            {
                seen.Add(limit.Name, limit);
            }
        }
    }

    /// <summary>Quotas of a plan or a consumer's overrides: one per period, with a positive limit.</summary>
    public static void Quotas(ValidationContext context, EquatableArray<QuotaConfig> quotas, string section, string owner)
    {
        var seen = new Dictionary<QuotaPeriod, QuotaConfig>();
        foreach (var quota in quotas)
        {
            var p = context.Of(quota);
            if (!p.Has("period") && !p.IsInvalid("period"))
            {
                context.Error(p.Header, $"missing key 'period' in {section}: \"minute\", \"hour\", \"day\" or \"month\"");
            }
            else if (p.Has("period") && !p.IsInvalid("period") && !seen.TryAdd(quota.Period, quota))
            {
                context.Error(p.Value("period"), $"{owner} has two {quota.Period.ToString().ToLowerInvariant()} quotas (first at {context.Of(seen[quota.Period]).Value("period")})");
            }

            if (!p.Has("limit"))
            {
                if (!p.IsInvalid("limit"))
                {
                    context.Error(p.Header, $"missing key 'limit' in {section}");
                }
            }
            else
            {
                Checks.Range(context, p, "limit", section, quota.Limit, 1, MaxQuota);
            }
        }
    }
}
