namespace EdgeProxy.Manager.Catalog;

/// <summary>A plan from <c>[[plans]]</c> as developers choose it: limits come from the gateway's own fields.</summary>
public sealed record CatalogPlan(string Id, string Title, string Description, bool Approval, string Limits, PlanPrice? Price);

public sealed record PlanPrice(decimal Monthly, decimal PerCall, decimal Overage, string Currency);
