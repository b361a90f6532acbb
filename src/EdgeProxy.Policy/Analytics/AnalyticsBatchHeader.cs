namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// The uncompressed front of a batch (docs/analytics-wire.md). <see cref="Instance"/> and <see cref="Sequence"/>
/// identify the batch: a gateway process picks a random instance at start and numbers its batches from 1, so the
/// manager can drop a batch it has already stored (a retry after a lost answer, or a replay).
/// </summary>
public readonly record struct AnalyticsBatchHeader(
    string GatewayId,
    ulong Instance,
    ulong Sequence,
    long CreatedUnixMilliseconds,
    int RecordCount,
    AnalyticsCompression Compression);
