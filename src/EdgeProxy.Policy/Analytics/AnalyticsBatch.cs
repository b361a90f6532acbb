namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// A decoded batch: record name ids index <see cref="Names"/>, whose entry 0 is "" (none); a record's
/// <see cref="AnalyticsRecord.Sample"/> indexes <see cref="Samples"/>, whose entry 0 is null (none).
/// </summary>
public sealed class AnalyticsBatch(AnalyticsBatchHeader header, string[] names, AnalyticsRecord[] records, AnalyticsRequestSample?[]? samples = null)
{
    public AnalyticsBatchHeader Header { get; } = header;

    public string[] Names { get; } = names;

    public AnalyticsRecord[] Records { get; } = records;

    public AnalyticsRequestSample?[] Samples { get; } = samples ?? [null];

    public string NameOf(int id) => Names[id];

    public AnalyticsRequestSample? SampleOf(in AnalyticsRecord record) => Samples[record.Sample];
}
