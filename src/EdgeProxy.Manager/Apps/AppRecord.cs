namespace EdgeProxy.Manager.Apps;

/// <summary>A developer's application: what keys are issued to, through its subscriptions.</summary>
public sealed class AppRecord
{
    public long Id { get; set; }

    public long OwnerId { get; set; }

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
