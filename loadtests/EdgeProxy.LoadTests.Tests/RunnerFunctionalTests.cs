using System.Net;
using System.Text.Json;
using EdgeProxy.LoadTests.Upstream;

namespace EdgeProxy.LoadTests.Tests;

/// <summary>
/// Runs the real CLI entry point against the runner's upstream hosted in-test on 127.0.0.1:0 and checks the JSON
/// report's counts exactly (iteration-bounded closed phases and open-model timetables make them deterministic).
/// </summary>
public sealed class RunnerFunctionalTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgeproxy-load-test-").FullName;
    private EchoUpstream? _upstream;

    private string Target => $"http://127.0.0.1:{_upstream!.Port}";

    public async Task InitializeAsync() => _upstream = await EchoUpstream.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

    public async Task DisposeAsync()
    {
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task HttpScenario_CountsEveryRequestOfRecordedPhasesExactly()
    {
        var (exit, stdout, stderr, report) = await RunAsync("""
            [scenario]
            name = "exact"
            target = "http://127.0.0.1:1"
            timeout = "5s"

            [[feeds]]
            name = "item"
            values = ["1", "2", "3"]

            [[steps]]
            name = "hello"
            path = "/hello"
            expect_status = [200]

            [[steps]]
            name = "post"
            method = "POST"
            path = "/echo/{item}"
            body = "payload {item} {iteration}"
            expect_status = ["2xx"]

            [[steps]]
            name = "broken"
            path = "/status/503"
            expect_status = [200]

            [[phases]]
            name = "warm-up"
            model = "closed"
            concurrency = 2
            iterations = 7
            duration = "20s"
            record = false

            [[phases]]
            name = "closed"
            model = "closed"
            concurrency = 3
            iterations = 50
            duration = "20s"

            [[phases]]
            name = "open"
            model = "open"
            rate = 200
            connections = 4
            duration = "500ms"

            [slo]
            requests = ">= 1"
            error_rate = "< 1%"
            [steps.slo]
            status_503 = ">= 100%"
            """);

        Assert.Equal(1, exit);
        Assert.Contains("SLO FAILED: overall error_rate < 1%", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SLO FAILED: overall requests", stderr, StringComparison.Ordinal);
        Assert.Contains("FAIL  overall error_rate < 1%", stdout, StringComparison.Ordinal);

        // 50 closed + 100 open (200/s × 0.5 s) iterations; the 7 warm-up iterations are not counted.
        var steps = report.GetProperty("steps");
        AssertStep(steps[0], requests: 150, ok: 150, errors: 0, statuses: new() { ["200"] = 150 });
        AssertStep(steps[1], requests: 150, ok: 150, errors: 0, statuses: new() { ["200"] = 150 });
        AssertStep(steps[2], requests: 150, ok: 0, errors: 150, statuses: new() { ["503"] = 150 });
        Assert.Equal(150, steps[2].GetProperty("error_kinds").GetProperty("unexpected_status").GetInt64());
        Assert.Equal(450, report.GetProperty("overall").GetProperty("requests").GetInt64());
        Assert.Equal(450, report.GetProperty("overall").GetProperty("latency").GetProperty("count").GetInt64());

        var phases = report.GetProperty("phases");
        Assert.Equal([7L, 50L, 100L], phases.EnumerateArray().Select(p => p.GetProperty("iterations").GetInt64()));
        Assert.All(phases.EnumerateArray(), p => Assert.Equal(0, p.GetProperty("missed").GetInt64()));

        // The 4 connections of the open phase include the 3 kept alive from the closed phases.
        Assert.Equal(4, report.GetProperty("connections_opened").GetInt64());

        var slos = report.GetProperty("slos");
        Assert.Equal([false, true, true], slos.EnumerateArray().Select(s => s.GetProperty("passed").GetBoolean()).Order());
        Assert.False(report.GetProperty("passed").GetBoolean());
        var html = await File.ReadAllTextAsync(Path.Combine(_directory, "report", "report.html"));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task WebSocketAndSse_CountMessagesAndEvents()
    {
        var (exit, _, stderr, report) = await RunAsync("""
            [scenario]
            target = "http://127.0.0.1:1"
            timeout = "5s"

            [[steps]]
            name = "ws"
            kind = "websocket"
            path = "/ws"
            messages = 3
            message = "ping"

            [[steps]]
            name = "sse"
            kind = "sse"
            path = "/sse?events=4&interval_ms=5"
            events = 4

            [[phases]]
            model = "closed"
            concurrency = 2
            iterations = 5
            duration = "20s"

            [slo]
            error_rate = "<= 0%"
            [steps.slo]
            events_per_second = "> 0"
            """);

        Assert.True(exit == 0, stderr);
        var steps = report.GetProperty("steps");
        AssertStep(steps[0], requests: 15, ok: 15, errors: 0, statuses: new() { ["101"] = 5 });
        AssertStep(steps[1], requests: 5, ok: 5, errors: 0, statuses: new() { ["200"] = 5 });
        Assert.Equal(20, steps[1].GetProperty("events").GetInt64());
        Assert.True(report.GetProperty("passed").GetBoolean());
    }

    [Fact(Timeout = 60_000)]
    public async Task KeepAliveOff_OpensAConnectionPerRequest()
    {
        var (exit, _, stderr, report) = await RunAsync("""
            [scenario]
            target = "http://127.0.0.1:1"
            keep_alive = false

            [[steps]]
            path = "/hello"

            [[phases]]
            model = "closed"
            concurrency = 2
            iterations = 20
            duration = "20s"

            [slo]
            error_rate = "<= 0%"
            """);

        Assert.True(exit == 0, stderr);
        Assert.Equal(20, report.GetProperty("overall").GetProperty("ok").GetInt64());
        Assert.Equal(20, report.GetProperty("connections_opened").GetInt64());
    }

    [Fact(Timeout = 60_000)]
    public async Task UnreachableTarget_FailsTheSloWithConnectErrors()
    {
        // A port nothing listens on: bind one, read its number, close it.
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var (exit, _, stderr, report) = await RunAsync("""
            [scenario]
            target = "http://127.0.0.1:1"
            timeout = "1s"
            [[steps]]
            path = "/hello"
            [[phases]]
            model = "closed"
            concurrency = 1
            iterations = 3
            duration = "10s"
            [slo]
            error_rate = "< 1%"
            """, target: $"http://127.0.0.1:{port}");

        Assert.Equal(1, exit);
        Assert.Contains("SLO FAILED: overall error_rate", stderr, StringComparison.Ordinal);
        Assert.Equal(3, report.GetProperty("overall").GetProperty("error_kinds").GetProperty("connect_failed").GetInt64());
    }

    [Fact]
    public async Task InvalidScenario_ExitsTwoAndNamesFileLineColumn()
    {
        var path = Path.Combine(_directory, "bad.toml");
        await File.WriteAllTextAsync(path, "[scenario]\ntarget = \"http://127.0.0.1:1\"\n[[steps]]\npath = 42\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await Program.RunAsync([path], stdout, stderr);

        Assert.Equal(2, exit);
        Assert.Contains($"{path}:4:8: 'path' in [[steps]] must be a string, found the integer 42", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.toml --duration-scale zero")]
    [InlineData("a.toml --bogus")]
    [InlineData("missing.toml")]
    public async Task BadArguments_ExitTwo(string args)
    {
        Assert.Equal(2, await Program.RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), new StringWriter(), new StringWriter()));
    }

    private async Task<(int Exit, string Stdout, string Stderr, JsonElement Report)> RunAsync(string scenario, string? target = null)
    {
        var path = Path.Combine(_directory, "scenario.toml");
        await File.WriteAllTextAsync(path, scenario);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var reportDir = Path.Combine(_directory, "report");
        var exit = await Program.RunAsync([path, "--target", target ?? Target, "--report-dir", reportDir, "--quiet"], stdout, stderr);
        Assert.True(exit is 0 or 1, $"exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reportDir, "report.json")));
        return (exit, stdout.ToString(), stderr.ToString(), json.RootElement.Clone());
    }

    private static void AssertStep(JsonElement step, long requests, long ok, long errors, Dictionary<string, long> statuses)
    {
        Assert.Equal(requests, step.GetProperty("requests").GetInt64());
        Assert.Equal(ok, step.GetProperty("ok").GetInt64());
        Assert.Equal(errors, step.GetProperty("errors").GetInt64());
        Assert.Equal(statuses, step.GetProperty("statuses").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()));
    }
}
