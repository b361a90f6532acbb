using System.Globalization;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.Catalog;

/// <summary>From the loaded policy records to what the portal shows.</summary>
public static class PolicyTableMapper
{
    public static IReadOnlyList<CatalogApi> Apis(GatewayConfig config)
    {
        // [[apis]] reaches EdgeProxy.Policy with the lifecycle work; until then the table declares no API products.
        _ = config;
        return [];
    }

    public static IReadOnlyList<CatalogPlan> Plans(GatewayConfig config)
    {
        var plans = new List<CatalogPlan>();
        foreach (var plan in config.Plans)
        {
            plans.Add(new CatalogPlan(plan.Id, plan.Id, "", Approval: false, Limits(plan), Price: null));
        }

        return plans;
    }

    private static string Limits(PlanConfig plan)
    {
        var parts = new List<string>();
        foreach (var limit in plan.RateLimits)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{limit.Tokens} per {Period(limit.Period)} (burst {limit.Burst})"));
        }

        foreach (var quota in plan.Quotas)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{quota.Limit:N0} per {quota.Period.ToString().ToLowerInvariant()}"));
        }

        return parts.Count == 0 ? "no limits" : string.Join(", ", parts);
    }

    private static string Period(TimeSpan period) =>
        period == TimeSpan.FromSeconds(1) ? "second"
        : period == TimeSpan.FromMinutes(1) ? "minute"
        : period == TimeSpan.FromHours(1) ? "hour"
        : period == TimeSpan.FromDays(1) ? "day"
        : period.ToString();
}
