using EdgeProxy.LoadTests.Reporting;
using EdgeProxy.LoadTests.Scenarios;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.LoadTests.Tests;

public class SloTests
{
    private static readonly SourcePosition At = new("s.toml", 3, 1);

    [Theory]
    [InlineData("p99", "< 200ms", "Less", 200)]
    [InlineData("p50", "<= 1.5ms", "LessOrEqual", 1.5)]
    [InlineData("p999", "< 2s", "Less", 2000)]
    [InlineData("p99.9", "< 500us", "Less", 0.5)]
    [InlineData("error_rate", "< 1%", "Less", 0.01)]
    [InlineData("error_rate", "<= 0.001", "LessOrEqual", 0.001)]
    [InlineData("throughput", "> 200/s", "Greater", 200)]
    [InlineData("throughput", ">= 1500", "GreaterOrEqual", 1500)]
    [InlineData("requests", ">= 10", "GreaterOrEqual", 10)]
    [InlineData("status_429", "> 40%", "Greater", 0.4)]
    public void Parse_ReadsOperatorAndValueInTheMetricsUnit(string metric, string condition, string op, double value)
    {
        var errors = new List<ConfigError>();
        var slo = SloConfig.Parse(null, metric, condition, At, errors);

        Assert.Empty(errors);
        Assert.NotNull(slo);
        Assert.Equal(op, slo.Operator.ToString());
        Assert.Equal(value, slo.Value, 9);
    }

    [Fact]
    public void Parse_Range()
    {
        var errors = new List<ConfigError>();
        var slo = SloConfig.Parse("limited", "status_429", "48%..52%", At, errors)!;

        Assert.Equal(SloOperator.Between, slo.Operator);
        Assert.Equal(0.48, slo.Value, 9);
        Assert.Equal(0.52, slo.Upper, 9);
        Assert.True(slo.IsMet(0.48));
        Assert.True(slo.IsMet(0.5));
        Assert.False(slo.IsMet(0.521));
        Assert.False(slo.IsMet(0.47));
    }

    [Theory]
    [InlineData("p99", "200ms", "is not a condition")]          // no operator
    [InlineData("p99", "< 200", "is not a condition")]          // latency needs a unit
    [InlineData("error_rate", "< 150%", "is not a condition")]  // a share is at most 100%
    [InlineData("p98", "< 1ms", "unknown SLO metric 'p98'")]
    [InlineData("status_600", "< 1%", "unknown SLO metric")]
    [InlineData("status_429", "52%..48%", "is not a condition")]
    public void Parse_RejectsWithAMessageAtTheKey(string metric, string condition, string message)
    {
        var errors = new List<ConfigError>();

        Assert.Null(SloConfig.Parse(null, metric, condition, At, errors));
        var error = Assert.Single(errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("s.toml:3:1: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_JudgesOverallAndPerStepAndNamesTheScope()
    {
        var errors = new List<ConfigError>();
        SloConfig[] slos =
        [
            SloConfig.Parse(null, "p99", "< 10ms", At, errors)!,
            SloConfig.Parse(null, "error_rate", "< 1%", At, errors)!,
            SloConfig.Parse("b", "p99", "< 10ms", At, errors)!,
            SloConfig.Parse("b", "status_5xx", "<= 10%", At, errors)!,
            SloConfig.Parse(null, "throughput", "> 50/s", At, errors)!,
        ];
        var a = Step("a", requests: 100, errors: 0, p99: 2, statuses: new() { ["200"] = 100 });
        var b = Step("b", requests: 100, errors: 20, p99: 40, statuses: new() { ["200"] = 80, ["503"] = 20 });
        var overall = Step("overall", requests: 200, errors: 20, p99: 30, statuses: new() { ["200"] = 180, ["503"] = 20 });

        var results = ReportBuilder.Evaluate(slos, overall, [a, b]);

        Assert.Equal([false, false, false, false, true], results.Select(r => r.Passed));
        Assert.Equal(0.1, results[1].Actual, 9);
        Assert.Equal("10%", results[1].ActualText);
        Assert.Equal("b", results[2].Step);
        Assert.Equal(0.2, results[3].Actual, 9);
    }

    [Fact]
    public void Evaluate_NoDataFailsInsteadOfPassing()
    {
        var errors = new List<ConfigError>();
        var empty = Step("overall", requests: 0, errors: 0, p99: 0, statuses: []);

        var results = ReportBuilder.Evaluate(
            [SloConfig.Parse(null, "p99", "< 10ms", At, errors)!, SloConfig.Parse(null, "error_rate", "< 1%", At, errors)!, SloConfig.Parse(null, "status_429", "<= 0%", At, errors)!],
            empty, []);

        Assert.All(results, r => Assert.False(r.Passed));
        Assert.All(results, r => Assert.Equal("no data", r.ActualText));
    }

    private static StepReport Step(string name, long requests, long errors, double p99, Dictionary<string, long> statuses) =>
        new(name, "http", requests, requests - errors, errors, requests == 0 ? 0 : (double)errors / requests, (requests - errors) / 1.0, 0, 0,
            new LatencyReport(requests, 0.1, p99 / 2, p99 / 4, p99 / 3, p99 / 2, p99 * 0.9, p99, p99 * 1.1, p99 * 1.2),
            statuses, new Dictionary<string, long>(), []);
}
