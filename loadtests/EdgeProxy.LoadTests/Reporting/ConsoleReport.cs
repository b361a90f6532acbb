using System.Globalization;
using System.Text;

namespace EdgeProxy.LoadTests.Reporting;

/// <summary>The final table: one row per step and one overall, then every SLO with PASS or FAIL.</summary>
internal static class ConsoleReport
{
    public static string Render(RunReport report)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine(c, $"scenario '{report.Scenario}' against {report.Target}: {report.RecordedSeconds:0.0} s measured, {report.ConnectionsOpened:N0} HTTP connections opened");
        text.AppendLine(c, $"{"step",-20} {"requests",10} {"ok",10} {"errors",8} {"err%",7} {"req/s",10} {"p50",9} {"p95",9} {"p99",9} {"p99.9",9} {"max",9}");
        foreach (var step in report.Steps.Append(report.Overall))
        {
            var l = step.Latency;
            text.AppendLine(c, $"{Clip(step.Name, 20),-20} {step.Requests,10:N0} {step.Ok,10:N0} {step.Errors,8:N0} {step.ErrorRate * 100,6:0.00}% {step.Throughput,10:N1} {Ms(l.P50Ms),9} {Ms(l.P95Ms),9} {Ms(l.P99Ms),9} {Ms(l.P999Ms),9} {Ms(l.MaxMs),9}");
        }

        foreach (var step in report.Steps)
        {
            var details = new List<string>();
            if (step.Statuses.Count > 0)
            {
                details.Add("status " + string.Join(", ", step.Statuses.Select(s => string.Create(c, $"{s.Key}: {s.Value:N0}"))));
            }

            if (step.ErrorKinds.Count > 0)
            {
                details.Add("errors " + string.Join(", ", step.ErrorKinds.Select(s => string.Create(c, $"{s.Key}: {s.Value:N0}"))));
            }

            if (step.Events > 0)
            {
                details.Add(string.Create(c, $"events {step.Events:N0} ({step.EventsPerSecond:N1}/s)"));
            }

            if (details.Count > 0)
            {
                text.AppendLine(c, $"  {step.Name}: {string.Join("; ", details)}");
            }
        }

        foreach (var phase in report.Phases.Where(p => p.Missed > 0))
        {
            text.AppendLine(c, $"  phase '{phase.Name}': {phase.Missed:N0} of {phase.Iterations:N0} arrivals missed (no free connection within the timeout)");
        }

        foreach (var action in report.Actions)
        {
            text.AppendLine(c, $"  action '{action.Name}' ({action.What}): ran {action.Runs}, failed {action.Failures}{(action.LastError is null ? "" : ": " + action.LastError)}");
        }

        if (report.Slos.Count == 0)
        {
            text.AppendLine("no SLOs in the scenario: nothing to pass or fail");
        }
        else
        {
            text.AppendLine("SLOs:");
            foreach (var slo in report.Slos)
            {
                var scope = slo.Step is null ? "overall" : $"step '{slo.Step}'";
                text.AppendLine(c, $"  {(slo.Passed ? "PASS" : "FAIL")}  {scope} {slo.Metric} {slo.Condition}  (actual {slo.ActualText})");
            }
        }

        if (report.Cancelled)
        {
            text.AppendLine("the run was cancelled before its last phase ended");
        }

        return text.ToString();
    }

    private static string Ms(double value) => value.ToString(value < 10 ? "0.000" : value < 1000 ? "0.00" : "0", CultureInfo.InvariantCulture) + "ms";

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
