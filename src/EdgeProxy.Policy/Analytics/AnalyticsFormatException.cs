namespace EdgeProxy.Policy.Analytics;

/// <summary>A batch that does not follow docs/analytics-wire.md; the ingest rejects it and counts it.</summary>
public sealed class AnalyticsFormatException(string message) : Exception(message);
