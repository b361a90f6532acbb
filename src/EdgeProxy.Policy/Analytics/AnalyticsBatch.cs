namespace EdgeProxy.Policy.Analytics;

/// <summary>A decoded batch: record name ids index <see cref="Names"/>, whose entry 0 is "" (none).</summary>
public sealed class AnalyticsBatch(AnalyticsBatchHeader header, string[] names, AnalyticsRecord[] records)
{
    public AnalyticsBatchHeader Header { get; } = header;

    public string[] Names { get; } = names;

    public AnalyticsRecord[] Records { get; } = records;

    public string NameOf(int id) => Names[id];
}
