namespace EdgeProxy.Manager.Audit;

/// <summary>Filters of the audit page and <c>GET /api/admin/audit</c>; empty fields match everything.</summary>
public sealed record AuditFilter(string? Actor = null, string? Action = null, string? Entity = null, string? EntityId = null, int Limit = 200);
