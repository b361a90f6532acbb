namespace EdgeProxy.Manager.Audit;

/// <summary>One row of the audit log: who did what to which thing, when, and the thing before and after (JSON).</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The user who made the change; null for the system (bootstrap, startup).</summary>
    public long? ActorId { get; set; }

    public string Actor { get; set; } = "";

    /// <summary>Dotted verb, e.g. <c>key.create</c>, <c>subscription.approve</c>, <c>user.role</c>.</summary>
    public string Action { get; set; } = "";

    /// <summary>What kind of thing changed: user, app, subscription, key.</summary>
    public string Entity { get; set; } = "";

    public string EntityId { get; set; } = "";

    public string? BeforeJson { get; set; }

    public string? AfterJson { get; set; }
}
