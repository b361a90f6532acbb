namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// What a query covers: [<see cref="From"/>, <see cref="To"/>), optionally one API, route or consumer, and for a
/// developer's view the set of consumers (their apps' subscriptions) it may see.
/// </summary>
public sealed record AnalyticsFilter(
    DateTimeOffset From,
    DateTimeOffset To,
    string? Api = null,
    string? Route = null,
    string? Consumer = null,
    IReadOnlyList<string>? Consumers = null);
