using System.Text.Json;

namespace EdgeProxy.LoadTests.Reporting;

/// <summary>Writes <c>report.json</c> and <c>report.html</c> into the report directory.</summary>
internal static class ReportWriter
{
    public static (string Json, string Html) Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var json = Path.Combine(directory, "report.json");
        var html = Path.Combine(directory, "report.html");
        File.WriteAllText(json, JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport));
        File.WriteAllText(html, HtmlReport.Render(report));
        return (json, html);
    }
}
