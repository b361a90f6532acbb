using System.Text.Json.Serialization;
using EdgeProxy.LoadTests.Engine;

namespace EdgeProxy.LoadTests.Reporting;

/// <summary>
/// The JSON report (<c>report.json</c>); the HTML report and the console table are drawn from it.
/// <see cref="ConnectionsOpened"/> counts the virtual users' HTTP connections (reconnects included); WebSocket and
/// SSE steps open one connection per iteration on top of those.
/// </summary>
internal sealed record RunReport(
    string Scenario,
    string Description,
    string File,
    string Target,
    DateTimeOffset StartedAt,
    double RecordedSeconds,
    bool Passed,
    bool Cancelled,
    long ConnectionsOpened,
    StepReport Overall,
    IReadOnlyList<StepReport> Steps,
    IReadOnlyList<SloReport> Slos,
    IReadOnlyList<PhaseResult> Phases,
    IReadOnlyList<TimelinePoint> Timeline,
    IReadOnlyList<ActionResult> Actions);

internal sealed record StepReport(
    string Name,
    string Kind,
    long Requests,
    long Ok,
    long Errors,
    double ErrorRate,
    double Throughput,
    long Events,
    double EventsPerSecond,
    LatencyReport Latency,
    IReadOnlyDictionary<string, long> Statuses,
    IReadOnlyDictionary<string, long> ErrorKinds,
    IReadOnlyList<PercentilePoint> Distribution);

/// <summary>Latency in milliseconds over every recorded response (0 when there were none).</summary>
internal sealed record LatencyReport(long Count, double MinMs, double MeanMs, double P50Ms, double P75Ms, double P90Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs);

internal sealed record PercentilePoint(double Percentile, double ValueMs);

internal sealed record SloReport(string Scope, string? Step, string Metric, string Condition, double Actual, string ActualText, bool Passed, string Position);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
