namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// A plan created or edited in the manager: a per-consumer rate limit, day and month quotas, price fields and
/// whether subscribing needs approval. Prices are decimal text, so 0.0001 stays exactly 0.0001.
/// </summary>
public sealed class ManagedPlan
{
    public string Id { get; set; } = "";

    public string Title { get; set; } = "";

    public string Description { get; set; } = "";

    public bool Approval { get; set; }

    /// <summary>The gateway's rate syntax, e.g. <c>100/s</c>; null for no rate limit.</summary>
    public string? Rate { get; set; }

    public long? Burst { get; set; }

    public long? DayQuota { get; set; }

    public long? MonthQuota { get; set; }

    public string? Monthly { get; set; }

    public string? PerCall { get; set; }

    public string? Overage { get; set; }

    public string Currency { get; set; } = "USD";
}
