using EdgeProxy.LoadTests.Engine;
using EdgeProxy.LoadTests.Http;
using EdgeProxy.LoadTests.Scenarios;
using HdrHistogram;

namespace EdgeProxy.LoadTests.Reporting;

/// <summary>Turns a run's raw totals into the report, judging every SLO.</summary>
internal static class ReportBuilder
{
    public static RunReport Build(RunResult run)
    {
        var scenario = run.Scenario;
        var steps = scenario.Steps.Select((s, i) => Step(s.Name, s.Kind.ToString().ToLowerInvariant(), run.Steps[i], run.RecordedSeconds)).ToList();
        var overall = Step("overall", "all", run.Overall, run.RecordedSeconds);
        var slos = Evaluate(scenario.Slos, overall, steps);
        return new RunReport(
            scenario.Name,
            scenario.Description,
            scenario.SourceFile,
            scenario.Target.ToString(),
            run.StartedAt,
            run.RecordedSeconds,
            !run.Cancelled && slos.All(s => s.Passed),
            run.Cancelled,
            run.ConnectionsOpened,
            overall,
            steps,
            slos,
            run.Phases,
            run.Timeline,
            run.Actions);
    }

    public static List<SloReport> Evaluate(IReadOnlyList<SloConfig> slos, StepReport overall, IReadOnlyList<StepReport> steps)
    {
        var results = new List<SloReport>(slos.Count);
        foreach (var slo in slos)
        {
            var subject = slo.Step is null ? overall : steps.First(s => s.Name == slo.Step);
            var actual = Metric(subject, slo.Metric);

            // No data is a failure, not a pass: "p99 < 200ms" over zero responses proves nothing.
            var passed = !double.IsNaN(actual) && slo.IsMet(actual);
            results.Add(new SloReport(slo.Step is null ? "overall" : "step", slo.Step, slo.Metric, slo.Condition, actual, Format(slo.Metric, actual), passed, slo.Position.ToString()));
        }

        return results;
    }

    /// <summary>A metric's value in the unit SLOs are written in (ms, share 0–1, per second, count); NaN when undefined.</summary>
    public static double Metric(StepReport step, string metric)
    {
        var latency = step.Latency;
        var hasLatency = latency.Count > 0;
        switch (metric)
        {
            case "p50": return hasLatency ? latency.P50Ms : double.NaN;
            case "p75": return hasLatency ? latency.P75Ms : double.NaN;
            case "p90": return hasLatency ? latency.P90Ms : double.NaN;
            case "p95": return hasLatency ? latency.P95Ms : double.NaN;
            case "p99": return hasLatency ? latency.P99Ms : double.NaN;
            case "p999": return hasLatency ? latency.P999Ms : double.NaN;
            case "max": return hasLatency ? latency.MaxMs : double.NaN;
            case "mean": return hasLatency ? latency.MeanMs : double.NaN;
            case "error_rate": return step.Requests == 0 ? double.NaN : step.ErrorRate;
            case "throughput": return step.Throughput;
            case "events_per_second": return step.EventsPerSecond;
            case "requests": return step.Requests;
            case "errors": return step.Errors;
        }

        var (from, to) = SloConfig.StatusClass(metric) ?? throw new ArgumentException($"unknown metric {metric}", nameof(metric));
        long matching = 0, responses = 0;
        foreach (var (code, count) in step.Statuses)
        {
            var status = int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
            responses += count;
            if (status >= from && status <= to)
            {
                matching += count;
            }
        }

        return responses == 0 ? double.NaN : (double)matching / responses;
    }

    public static string Format(string metric, double value)
    {
        if (double.IsNaN(value))
        {
            return "no data";
        }

        var unit = SloConfig.UnitOf(metric);
        return unit switch
        {
            SloUnit.Latency => $"{value:0.###} ms",
            SloUnit.Ratio => $"{value * 100:0.###}%",
            SloUnit.Rate => $"{value:0.#}/s",
            _ => $"{value:0}",
        };
    }

    private static StepReport Step(string name, string kind, StepInterval totals, double seconds)
    {
        var h = totals.Histogram;
        var count = h.TotalCount;
        var latency = count == 0
            ? new LatencyReport(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            : new LatencyReport(count, Ms(h.LowestEquivalentValue(h.RecordedValues().First().ValueIteratedTo)), h.GetMean() / 1000.0, Ms(h, 50), Ms(h, 75), Ms(h, 90), Ms(h, 95), Ms(h, 99), Ms(h, 99.9), h.GetMaxValue() / 1000.0);
        var statuses = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var s = 0; s < totals.Statuses.Length; s++)
        {
            if (totals.Statuses[s] > 0)
            {
                statuses[s.ToString(System.Globalization.CultureInfo.InvariantCulture)] = totals.Statuses[s];
            }
        }

        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var e = 1; e < totals.Errors.Length; e++)
        {
            if (totals.Errors[e] > 0)
            {
                errors[((ErrorKind)e).Name()] = totals.Errors[e];
            }
        }

        var distribution = new List<PercentilePoint>();
        if (count > 0)
        {
            foreach (var point in h.Percentiles(5))
            {
                distribution.Add(new PercentilePoint(point.Percentile, h.HighestEquivalentValue(point.ValueIteratedTo) / 1000.0));
                if (point.Percentile >= 99.9999)
                {
                    break;
                }
            }
        }

        var requests = totals.Requests;
        return new StepReport(
            name,
            kind,
            requests,
            totals.Ok,
            totals.ErrorCount,
            requests == 0 ? 0 : (double)totals.ErrorCount / requests,
            seconds > 0 ? totals.Ok / seconds : 0,
            totals.Events,
            seconds > 0 ? totals.Events / seconds : 0,
            latency,
            statuses,
            errors,
            distribution);
    }

    private static double Ms(HistogramBase histogram, double percentile) => histogram.GetValueAtPercentile(percentile) / 1000.0;

    private static double Ms(long micros) => micros / 1000.0;
}
