namespace EdgeProxy.Policies.Quotas;

/// <summary>
/// The on-disk form of quota counts (<c>quotas.json</c>): per consumer, the count of each period with the
/// period's start, so a count restored after its period ended is simply stale, never misattributed.
/// </summary>
internal sealed record QuotaSnapshotFile
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public DateTimeOffset SavedAt { get; init; }

    public List<QuotaSnapshotConsumer> Consumers { get; init; } = [];
}

internal sealed record QuotaSnapshotConsumer
{
    public string? Id { get; init; }

    public List<QuotaSnapshotCounter> Counters { get; init; } = [];
}

internal sealed record QuotaSnapshotCounter
{
    /// <summary><c>minute</c>, <c>hour</c>, <c>day</c> or <c>month</c>.</summary>
    public string? Period { get; init; }

    public DateTimeOffset Start { get; init; }

    public long Count { get; init; }
}
