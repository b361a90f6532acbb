using System.Globalization;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.Catalog;

/// <summary>From the loaded policy records to what the portal shows.</summary>
public static class PolicyTableMapper
{
    public static IReadOnlyList<CatalogApi> Apis(GatewayConfig config)
    {
        var apis = new List<CatalogApi>();
        foreach (var api in config.Apis)
        {
            var versions = new List<CatalogApiVersion>();
            foreach (var version in api.Versions)
            {
                versions.Add(new CatalogApiVersion(
                    version.Version,
                    version.State.ToString().ToLowerInvariant(),
                    [.. version.Routes],
                    version.OpenApi,
                    version.OpenApiFile,
                    version.DeprecatedAt,
                    version.Sunset,
                    version.Successor,
                    version.Changelog));
            }

            apis.Add(new CatalogApi(api.Id, api.Title.Length > 0 ? api.Title : api.Id, api.Summary, api.Owner, [.. api.Tags], versions));
        }

        return apis;
    }

    public static IReadOnlyList<CatalogPlan> Plans(GatewayConfig config)
    {
        var plans = new List<CatalogPlan>();
        foreach (var plan in config.Plans)
        {
            var price = plan.Price is { } p ? new PlanPrice(p.Monthly, p.PerCall, p.Overage, p.Currency) : null;
            plans.Add(new CatalogPlan(plan.Id, plan.Title.Length > 0 ? plan.Title : plan.Id, plan.Description, plan.Approval, Limits(plan), price));
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
