using System.Globalization;
using System.Net;
using System.Text;
using EdgeProxy.LoadTests.Engine;

namespace EdgeProxy.LoadTests.Reporting;

/// <summary>
/// A self-contained HTML report: summary, SLO verdicts, per-step table, and three inline-SVG charts (latency over
/// time, throughput over time, percentile distribution). No script and no external asset.
/// </summary>
internal static class HtmlReport
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    public static string Render(RunReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append(c, $"<title>edgeproxy-load: {E(report.Scenario)}</title>");
        html.Append("""
            <style>
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 12px}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
            table{border-collapse:collapse;width:100%;margin:6px 0}th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right}
            th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}td{white-space:nowrap}
            .pass{color:#177a2d;font-weight:600}.fail{color:#b3261e;font-weight:600}.muted{color:#666}
            .verdict{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:600}
            .verdict.pass{background:#177a2d;color:#fff}.verdict.fail{background:#b3261e;color:#fff}
            svg{width:100%;height:auto;border:1px solid #e4e4e4;margin:6px 0;background:#fff}
            svg .title{font-size:14px;font-weight:600}svg .axis{font-size:11px;fill:#555}svg .small{font-size:11px;fill:#333}
            svg .grid{stroke:#eee}svg .axisline{stroke:#999}svg .phase{stroke:#bbb;stroke-dasharray:3 3}svg .band{fill:#f2f2f2}
            </style></head><body>
            """);
        html.Append(c, $"<h1>{E(report.Scenario)}</h1>");
        if (report.Description.Length > 0)
        {
            html.Append(c, $"<p class=\"muted\">{E(report.Description)}</p>");
        }

        var verdict = report.Passed ? "<span class=\"verdict pass\">SLOs met</span>" : "<span class=\"verdict fail\">SLO failed</span>";
        html.Append(c, $"<p>{verdict} &nbsp; target <code>{E(report.Target)}</code>, started {report.StartedAt:u}, {report.RecordedSeconds:0.0} s measured, {report.ConnectionsOpened:N0} HTTP connections opened (WebSocket and SSE steps open their own), scenario <code>{E(report.File)}</code></p>");

        html.Append("<h2>SLOs</h2>");
        if (report.Slos.Count == 0)
        {
            html.Append("<p class=\"muted\">The scenario states no SLO.</p>");
        }
        else
        {
            html.Append("<table><tr><th>objective</th><th>condition</th><th>actual</th><th>verdict</th></tr>");
            foreach (var slo in report.Slos)
            {
                var scope = slo.Step is null ? "overall" : $"step '{slo.Step}'";
                html.Append(c, $"<tr><td>{E(scope)} {E(slo.Metric)}</td><td>{E(slo.Condition)}</td><td>{E(slo.ActualText)}</td><td class=\"{(slo.Passed ? "pass" : "fail")}\">{(slo.Passed ? "PASS" : "FAIL")}</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<h2>Steps</h2><table><tr><th>step</th><th>requests</th><th>errors</th><th>req/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>statuses</th><th>error kinds</th></tr>");
        foreach (var step in report.Steps.Append(report.Overall))
        {
            var l = step.Latency;
            var statuses = string.Join(", ", step.Statuses.Select(s => $"{s.Key}: {s.Value.ToString("N0", c)}"));
            var errors = string.Join(", ", step.ErrorKinds.Select(s => $"{s.Key}: {s.Value.ToString("N0", c)}"));
            html.Append(c, $"<tr><td>{E(step.Name)} <span class=\"muted\">{E(step.Kind)}</span></td><td>{step.Requests:N0}</td><td>{step.Errors:N0} ({step.ErrorRate * 100:0.00}%)</td><td>{step.Throughput:N1}</td>");
            html.Append(c, $"<td>{l.P50Ms:0.###} ms</td><td>{l.P90Ms:0.###} ms</td><td>{l.P99Ms:0.###} ms</td><td>{l.P999Ms:0.###} ms</td><td>{l.MaxMs:0.###} ms</td><td>{E(statuses)}</td><td>{E(errors)}</td></tr>");
        }

        html.Append("</table>");

        var bands = report.Phases.Select(p => new ChartBand(p.StartSeconds, p.StartSeconds + p.ActualSeconds, p.Name + (p.Recorded ? "" : " (not recorded)"), !p.Recorded)).ToList();
        var timeTicks = TimeTicks(report.Timeline.Count == 0 ? 1 : report.Timeline[^1].EndSeconds);
        // Phase-end cuts can leave slivers of a few milliseconds; as rates they are noise, so the charts skip them.
        var timeline = report.Timeline.Where(p => p.EndSeconds - p.StartSeconds >= 0.1).ToList();
        html.Append("<h2>Latency over time</h2>");
        html.Append(SvgChart.Render("Latency per interval (all steps)", "ms",
        [
            new ChartSeries("p50", Palette[0], [.. timeline.Where(HasData).Select(p => (p.EndSeconds, p.P50Ms))]),
            new ChartSeries("p90", Palette[2], [.. timeline.Where(HasData).Select(p => (p.EndSeconds, p.P90Ms))]),
            new ChartSeries("p99", Palette[1], [.. timeline.Where(HasData).Select(p => (p.EndSeconds, p.P99Ms))]),
            new ChartSeries("max", "#999999", [.. timeline.Where(HasData).Select(p => (p.EndSeconds, p.MaxMs))], Dashed: true),
        ], bands, timeTicks));

        html.Append("<h2>Throughput over time</h2>");
        html.Append(SvgChart.Render("Requests and errors per second (all steps)", "/s",
        [
            new ChartSeries("requests/s", Palette[0], [.. timeline.Select(p => (p.EndSeconds, Rate(p.Requests, p)))]),
            new ChartSeries("errors/s", Palette[1], [.. timeline.Select(p => (p.EndSeconds, Rate(p.Errors, p)))]),
        ], bands, timeTicks));

        html.Append("<h2>Latency by percentile</h2>");
        var series = new List<ChartSeries>();
        var color = 0;
        foreach (var step in report.Steps.Count > 1 ? report.Steps.Append(report.Overall) : report.Steps)
        {
            series.Add(new ChartSeries(step.Name, step == report.Overall ? "#222222" : Palette[color++ % Palette.Length],
                [.. step.Distribution.Select(p => (PercentileX(p.Percentile), p.ValueMs))], Dashed: step == report.Overall));
        }

        html.Append(SvgChart.Render("Latency at percentile (recorded phases)", "ms", series, [],
            [(0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%"), (5, "99.999%")]));

        html.Append("<h2>Phases</h2><table><tr><th>phase</th><th>model</th><th>load</th><th>planned</th><th>actual</th><th>iterations</th><th>missed</th><th>recorded</th></tr>");
        foreach (var phase in report.Phases)
        {
            var load = phase.Model == Scenarios.LoadModel.Open
                ? (phase.Rate == phase.RateTo ? $"{phase.Rate.ToString("0.##", c)}/s" : $"{phase.Rate.ToString("0.##", c)} → {phase.RateTo.ToString("0.##", c)}/s") + $" on {phase.Connections} connections"
                : $"{phase.Connections} virtual users";
            html.Append(c, $"<tr><td>{E(phase.Name)}</td><td>{phase.Model.ToString().ToLowerInvariant()}</td><td>{E(load)}</td><td>{phase.PlannedSeconds:0.##} s</td><td>{phase.ActualSeconds:0.##} s</td><td>{phase.Iterations:N0}</td><td>{phase.Missed:N0}</td><td>{(phase.Recorded ? "yes" : "no")}</td></tr>");
        }

        html.Append("</table>");
        if (report.Actions.Count > 0)
        {
            html.Append("<h2>Actions</h2><table><tr><th>action</th><th>what</th><th>runs</th><th>failures</th><th>last error</th></tr>");
            foreach (var action in report.Actions)
            {
                html.Append(c, $"<tr><td>{E(action.Name)}</td><td>{E(action.What)}</td><td>{action.Runs}</td><td>{action.Failures}</td><td>{E(action.LastError ?? "")}</td></tr>");
            }

            html.Append("</table>");
        }

        html.Append("<p class=\"muted\">Latency of open-model phases is measured from each iteration's intended start (corrected for coordinated omission). Generated by edgeproxy-load.</p></body></html>\n");
        return html.ToString();
    }

    /// <summary>0 at the median's left edge, 1 at 90%, 2 at 99%, …: the usual HdrHistogram percentile axis.</summary>
    internal static double PercentileX(double percentile) => Math.Min(6, Math.Log10(100 / Math.Max(1e-6, 100 - percentile)));

    private static bool HasData(TimelinePoint point) => point.Requests > 0;

    private static double Rate(long count, TimelinePoint point) => count / Math.Max(1e-3, point.EndSeconds - point.StartSeconds);

    private static List<(double, string)> TimeTicks(double end)
    {
        var step = SvgChart.NiceCeiling(end / 8);
        var ticks = new List<(double, string)>();
        for (var t = 0.0; t <= end + 1e-9 && ticks.Count < 20; t += step)
        {
            ticks.Add((t, t.ToString("0.#", CultureInfo.InvariantCulture) + " s"));
        }

        return ticks;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
