namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// What a query covers: [<see cref="From"/>, <see cref="To"/>), optionally one API, route or consumer; for a
/// developer's view the set of consumers (their apps' subscriptions) it may see, for a publisher's the APIs their
/// team owns.
/// </summary>
public sealed record AnalyticsFilter(
    DateTimeOffset From,
    DateTimeOffset To,
    string? Api = null,
    string? Route = null,
    string? Consumer = null,
    IReadOnlyList<string>? Consumers = null,
    IReadOnlyList<string>? Apis = null);
