namespace EdgeProxy.Manager.Apps;

/// <summary>An app with everything its page shows.</summary>
public sealed record AppView(AppRecord App, IReadOnlyList<SubscriptionRecord> Subscriptions, IReadOnlyList<KeyRecord> Keys);
