namespace EdgeProxy.LoadTests.Scenarios;

internal enum FeedOrder
{
    RoundRobin,
    Random,
}

/// <summary>Values steps can use as <c>{feed}</c> or <c>{feed.column}</c>; one row is picked per iteration.</summary>
internal sealed record FeedConfig
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Columns { get; init; }

    public required IReadOnlyList<string[]> Rows { get; init; }

    public FeedOrder Order { get; init; }
}
