using EdgeProxy.Manager.Apps;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>One consumer the manager owns: an active subscription, its app and its keys.</summary>
public sealed record ManagedConsumer(SubscriptionRecord Subscription, string AppName, IReadOnlyList<KeyRecord> Keys);
