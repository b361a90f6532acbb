namespace EdgeProxy.Manager.Apps;

/// <summary>An app's subscription to one API on one plan; an active one is one gateway consumer, <c>sub-&lt;id&gt;</c>.</summary>
public sealed class SubscriptionRecord
{
    public long Id { get; set; }

    public long AppId { get; set; }

    public string ApiId { get; set; } = "";

    public string PlanId { get; set; } = "";

    /// <summary>pending (waits for an admin), active, rejected, cancelled.</summary>
    public string State { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public long? DecidedBy { get; set; }

    public DateTimeOffset? DecidedAt { get; set; }

    public string ConsumerId => "sub-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
