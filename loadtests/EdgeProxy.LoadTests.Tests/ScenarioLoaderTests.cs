using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Tests;

public class ScenarioLoaderTests
{
    private const string Minimal = """
        [scenario]
        target = "http://127.0.0.1:8080/base/"

        [[steps]]
        name = "hello"
        path = "/hello"

        [[phases]]
        model = "closed"
        concurrency = 2
        duration = "1s"
        """;

    [Fact]
    public void Minimal_LoadsWithDefaults()
    {
        var (scenario, errors) = ScenarioLoader.Parse(Minimal, "min.toml");

        Assert.Empty(errors);
        Assert.NotNull(scenario);
        Assert.Equal("min", scenario.Name);
        Assert.Equal(new TargetAddress("127.0.0.1", 8080, "/base"), scenario.Target);
        Assert.Equal(TimeSpan.FromSeconds(10), scenario.Timeout);
        Assert.True(scenario.KeepAlive);
        var step = Assert.Single(scenario.Steps);
        Assert.Equal("GET", step.Method);
        Assert.True(step.ExpectStatus.Contains(200) && step.ExpectStatus.Contains(399) && !step.ExpectStatus.Contains(400));
        var phase = Assert.Single(scenario.Phases);
        Assert.Equal(LoadModel.Closed, phase.Model);
        Assert.True(phase.Record);
    }

    [Fact]
    public void TargetOverride_ReplacesTheScenarioTarget()
    {
        var (scenario, errors) = ScenarioLoader.Parse(Minimal, "min.toml", targetOverride: "http://localhost:9000");

        Assert.Empty(errors);
        Assert.Equal(new TargetAddress("localhost", 9000, ""), scenario!.Target);
    }

    [Fact]
    public void SyntaxError_IsReportedAtFileLineColumn()
    {
        var (scenario, errors) = ScenarioLoader.Parse("[scenario]\ntarget = \"http://x\"\nname = = 3\n", "bad.toml");

        Assert.Null(scenario);
        Assert.StartsWith("bad.toml:3:", errors[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryMistakeIsReported_EachWithItsPosition()
    {
        const string text = """
            [scenario]
            target = "https://127.0.0.1:8443"
            timout = "1s"

            [[steps]]
            name = "a"
            path = "/items/{item.id}"
            expect_status = [200, "9xx"]
            think_time = "soon"

            [[phases]]
            model = "open"
            rate = 100
            duration = "1s"
            concurrency = 4

            [slo]
            p99 = "fast"
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "many.toml");
        var messages = errors.Select(e => e.ToString()).ToList();

        Assert.Null(scenario);
        Assert.Contains(messages, m => m.StartsWith("many.toml:2:10: https targets are not supported", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:3:1: unknown key 'timout' in [scenario]; did you mean 'timeout'?", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:7:8: '{item.id}' names no feed", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:8:23: 'expect_status' entries", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:9:14: 'think_time' in [[steps]] must be a duration", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:11:1: missing key 'connections' in [[phases]]", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:15:15: 'concurrency' belongs to the closed model", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("many.toml:18:1: SLO 'p99' = \"fast\" is not a condition", StringComparison.Ordinal));
    }

    [Fact]
    public void OutOfRangeValues_AreReportedAtTheValue_InTheirOwnUnit()
    {
        const string text = """
            [scenario]
            target = "http://127.0.0.1:1"
            timeout = "20m"
            [[steps]]
            path = "/"
            body_size = "128MiB"
            [[phases]]
            model = "open"
            rate = 0
            connections = 0
            duration = "25h"
            [[phases]]
            model = "fast"
            concurrency = 2
            duration = "1s"
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "range.toml");

        Assert.Null(scenario);
        Assert.Equal(
        [
            "range.toml:3:11: 'timeout' in [scenario] must be between 1ms and 10m, found 20m",
            "range.toml:6:13: 'body_size' in [[steps]] must be between 0 and 64MiB, found 128MiB",
            "range.toml:11:12: 'duration' in [[phases]] must be between 1ms and 24h, found 25h",
            "range.toml:9:8: 'rate' in [[phases]] must be between 0.001 and 10000000, found 0",
            "range.toml:10:15: 'connections' in [[phases]] must be between 1 and 10000, found 0",
            "range.toml:13:9: 'model' in [[phases]] must be one of \"closed\", \"open\", found the string \"fast\"",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void MissingRequiredKeys_AreReportedAtTheTableHeader()
    {
        const string text = """
            [scenario]
            [[feeds]]
            values = ["a"]
            [[steps]]
            name = "no-path"
            [[phases]]
            concurrency = 1
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "req.toml");

        Assert.Null(scenario);
        var messages = errors.Select(e => e.ToString()).ToList();
        Assert.Contains("req.toml:1:1: missing key 'target' in [scenario]", messages);
        Assert.Contains("req.toml:2:1: missing key 'name' in [[feeds]]", messages);
        Assert.Contains("req.toml:4:1: missing key 'path' in [[steps]]", messages);
        Assert.Contains("req.toml:6:1: missing key 'model' in [[phases]]", messages);
        Assert.Contains("req.toml:6:1: missing key 'duration' in [[phases]]", messages);
    }

    [Fact]
    public void StepSlos_AttachToTheirStep()
    {
        const string text = """
            [scenario]
            target = "http://127.0.0.1:1"
            [[steps]]
            name = "one"
            path = "/1"
            [steps.slo]
            p99 = "< 5ms"
            [[steps]]
            name = "two"
            path = "/2"
            [[phases]]
            model = "closed"
            concurrency = 1
            duration = "1s"
            [slo]
            error_rate = "< 1%"
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "slo.toml");

        Assert.Empty(errors);
        Assert.Collection(scenario!.Slos,
            s => Assert.Equal(("one", "p99"), (s.Step, s.Metric)),
            s => Assert.Equal(((string?)null, "error_rate"), (s.Step, s.Metric)));
    }

    [Fact]
    public void Feeds_FromValuesAndRange_ResolveInTemplates()
    {
        const string text = """
            [scenario]
            target = "http://127.0.0.1:1"
            [[feeds]]
            name = "key"
            range = { from = 1, to = 3, format = "k-{0:D3}" }
            [[feeds]]
            name = "color"
            values = ["red", "blue"]
            order = "random"
            [[steps]]
            path = "/{color}/{{literal}}"
            headers = { "X-Api-Key" = "{key.value}" }
            [[phases]]
            model = "closed"
            concurrency = 1
            duration = "1s"
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "feeds.toml");

        Assert.Empty(errors);
        Assert.Equal(["k-001", "k-002", "k-003"], scenario!.Feeds[0].Rows.Select(r => r[0]));
        Assert.Equal(FeedOrder.Random, scenario.Feeds[1].Order);
        var path = scenario.Steps[0].Path.Parts;
        Assert.Equal([TemplatePartKind.Literal, TemplatePartKind.Feed, TemplatePartKind.Literal], path.Select(p => p.Kind));
        Assert.Equal("/{literal}", path[2].Literal);
    }

    [Fact]
    public void Feeds_FromCsvAndJsonFiles_RelativeToTheScenario()
    {
        var directory = Directory.CreateTempSubdirectory("edgeproxy-load-feeds-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "users.csv"), "id,name\n1,\"Smith, Ann\"\n2,\"say \"\"hi\"\"\"\n");
            File.WriteAllText(Path.Combine(directory, "keys.json"), """[{"key": "k1", "tier": 1}, {"key": "k2", "tier": 2}]""");
            File.WriteAllText(Path.Combine(directory, "ids.json"), """["a", "b", 3]""");
            File.WriteAllText(Path.Combine(directory, "s.toml"), """
                [scenario]
                target = "http://127.0.0.1:1"
                [[feeds]]
                name = "user"
                file = "users.csv"
                [[feeds]]
                name = "key"
                file = "keys.json"
                [[feeds]]
                name = "id"
                file = "ids.json"
                [[steps]]
                path = "/{user.name}/{key.tier}/{id}"
                [[phases]]
                model = "closed"
                concurrency = 1
                duration = "1s"
                """);

            var (scenario, errors) = ScenarioLoader.Load(Path.Combine(directory, "s.toml"));

            Assert.Empty(errors);
            Assert.Equal(["id", "name"], scenario!.Feeds[0].Columns);
            Assert.Equal(["Smith, Ann", "say \"hi\""], scenario.Feeds[0].Rows.Select(r => r[1]));
            Assert.Equal(["key", "tier"], scenario.Feeds[1].Columns);
            Assert.Equal(["k2", "2"], scenario.Feeds[1].Rows[1]);
            Assert.Equal(["a", "b", "3"], scenario.Feeds[2].Rows.Select(r => r[0]));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Feeds_BadCsvRow_IsReportedAtItsLine()
    {
        var directory = Directory.CreateTempSubdirectory("edgeproxy-load-feeds-").FullName;
        try
        {
            var csv = Path.Combine(directory, "bad.csv");
            File.WriteAllText(csv, "id,name\n1,a\n2\n");
            var (_, errors) = ScenarioLoader.Parse($$"""
                [scenario]
                target = "http://127.0.0.1:1"
                [[feeds]]
                name = "x"
                file = "{{csv}}"
                """, "f.toml");

            Assert.Contains(errors, e => e.ToString() == $"{csv}:3:1: 1 fields where the header has 2");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Scaled_MultipliesPhasesAndActionTimesButNotRepeatIntervals()
    {
        var text = Minimal + """

            [[actions]]
            touch = "x.toml"
            at = "10s"
            every = "1s"
            """;
        var (scenario, errors) = ScenarioLoader.Parse(text, "scaled.toml");
        Assert.Empty(errors);

        var scaled = scenario!.Scaled(0.5);

        Assert.Equal(TimeSpan.FromMilliseconds(500), scaled.Phases[0].Duration);
        Assert.Equal(TimeSpan.FromSeconds(5), scaled.Actions[0].At);
        Assert.Equal(TimeSpan.FromSeconds(1), scaled.Actions[0].Every);
    }

    public static TheoryData<string> ShippedScenarios()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.toml"))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void ShippedScenario_LoadsWithZeroErrors_AndStatesAnSlo(string file)
    {
        var (scenario, errors) = ScenarioLoader.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", file));

        Assert.Empty(errors);
        Assert.NotEmpty(scenario!.Slos);
    }

    [Fact]
    public void SmokeScenario_FitsTheCiBudget()
    {
        var (scenario, _) = ScenarioLoader.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", "smoke.toml"));

        Assert.True(scenario!.Phases.Sum(p => p.Duration.TotalSeconds) <= 20);
        Assert.Equal("http://127.0.0.1:8080", scenario.Target.ToString());
    }
}
