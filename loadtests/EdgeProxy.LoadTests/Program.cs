using System.Globalization;
using System.Net;
using EdgeProxy.LoadTests.Engine;
using EdgeProxy.LoadTests.Reporting;
using EdgeProxy.LoadTests.Scenarios;
using EdgeProxy.LoadTests.Upstream;

namespace EdgeProxy.LoadTests;

/// <summary>
/// <c>edgeproxy-load run SCENARIO.toml</c> runs a scenario and exits 0 when every SLO holds, 1 when one fails, 2
/// on a usage or scenario error. <c>validate</c> only checks scenario files; <c>upstream</c> serves the echo,
/// WebSocket and SSE upstream the scenarios use.
/// </summary>
internal static class Program
{
    public const int Passed = 0;
    public const int SloFailed = 1;
    public const int UsageError = 2;

    private const string Usage = """
        usage: edgeproxy-load run SCENARIO.toml [--target URL] [--report-dir DIR] [--duration-scale F] [--quiet]
               edgeproxy-load validate SCENARIO.toml...
               edgeproxy-load upstream [--listen 127.0.0.1:9002] [--pid-file FILE]
          --target URL          send to URL instead of the scenario's [scenario] target
          --report-dir DIR      write report.json and report.html there (default: artifacts/loadtest/<scenario>)
          --duration-scale F    multiply every phase duration (and action time) by F, e.g. 0.2 for a quick try
          --quiet               no progress line each second
        exit code: 0 every SLO met, 1 an SLO failed (each is named), 2 usage or scenario error
        """;

    public static async Task<int> Main(string[] args)
    {
        // Socket continuations run on the event-loop thread instead of hopping to the thread pool: on two cores
        // that hop costs more than the parsing. Must be set before the first socket; an explicit setting wins.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? UsageError : Passed;
        }

        return args[0] switch
        {
            "run" => await RunAsync(args[1..], Console.Out, Console.Error).ConfigureAwait(false),
            "validate" => Validate(args[1..]),
            "upstream" => await UpstreamAsync(args[1..]).ConfigureAwait(false),
            _ => Fail($"unknown command '{args[0]}'"),
        };
    }

    /// <summary>The <c>run</c> command, callable from tests with their own writers.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errorOutput, CancellationToken cancellation = default)
    {
        string? scenarioPath = null, target = null, reportDir = null;
        var scale = 1.0;
        var progress = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--target" when i + 1 < args.Length:
                    target = args[++i];
                    break;
                case "--report-dir" when i + 1 < args.Length:
                    reportDir = args[++i];
                    break;
                case "--duration-scale" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out scale) || scale is <= 0 or > 1000)
                    {
                        return Fail($"--duration-scale must be a number above 0 (and at most 1000), not '{args[i]}'", errorOutput);
                    }

                    break;
                case "--quiet":
                    progress = false;
                    break;
                case var arg when !arg.StartsWith('-') && scenarioPath is null:
                    scenarioPath = arg;
                    break;
                default:
                    return Fail($"unexpected argument '{args[i]}'", errorOutput);
            }
        }

        if (scenarioPath is null)
        {
            return Fail("run needs a scenario file", errorOutput);
        }

        var (scenario, errors) = ScenarioLoader.Load(scenarioPath, target);
        if (scenario is null)
        {
            errorOutput.WriteLine($"edgeproxy-load: scenario '{scenarioPath}' is invalid:");
            foreach (var error in errors)
            {
                errorOutput.WriteLine($"  {error}");
            }

            return UsageError;
        }

        scenario = scenario.Scaled(scale);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        RunResult run;
        try
        {
            var planned = scenario.Phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
            output.WriteLine($"edgeproxy-load: '{scenario.Name}' against {scenario.Target}, {scenario.Phases.Count} phase(s), {planned.TotalSeconds:0.#} s planned");
            run = await LoadRunner.RunAsync(scenario, output, progress, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            errorOutput.WriteLine($"edgeproxy-load: cannot run against {scenario.Target}: {e.Message}");
            return UsageError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        var report = ReportBuilder.Build(run);
        output.Write(ConsoleReport.Render(report));
        var directory = reportDir ?? Path.Combine("artifacts", "loadtest", scenario.Name);
        var (json, html) = ReportWriter.Write(report, directory);
        output.WriteLine($"reports: {json}, {html}");
        foreach (var failed in report.Slos.Where(s => !s.Passed))
        {
            var scope = failed.Step is null ? "overall" : $"step '{failed.Step}'";
            errorOutput.WriteLine($"SLO FAILED: {scope} {failed.Metric} {failed.Condition} (actual {failed.ActualText}) [{failed.Position}]");
        }

        return report.Passed ? Passed : SloFailed;
    }

    private static int Validate(string[] files)
    {
        if (files.Length == 0)
        {
            return Fail("validate needs at least one scenario file");
        }

        var exit = Passed;
        foreach (var file in files)
        {
            var (scenario, errors) = ScenarioLoader.Load(file);
            if (scenario is null)
            {
                exit = UsageError;
                foreach (var error in errors)
                {
                    Console.Error.WriteLine(error);
                }
            }
            else
            {
                Console.WriteLine($"{file}: ok ({scenario.Steps.Count} step(s), {scenario.Phases.Count} phase(s), {scenario.Slos.Count} SLO(s))");
            }
        }

        return exit;
    }

    private static async Task<int> UpstreamAsync(string[] args)
    {
        var listen = new IPEndPoint(IPAddress.Loopback, 9002);
        string? pidFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length:
                    if (!IPEndPoint.TryParse(args[++i], out var parsed) || parsed.Port == 0 && !args[i].EndsWith(":0", StringComparison.Ordinal))
                    {
                        return Fail($"--listen must be HOST:PORT such as 127.0.0.1:9002, not '{args[i]}'");
                    }

                    listen = parsed;
                    break;
                case "--pid-file" when i + 1 < args.Length:
                    pidFile = args[++i];
                    break;
                default:
                    return Fail($"unexpected argument '{args[i]}'");
            }
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        await using var upstream = await EchoUpstream.StartAsync(listen).ConfigureAwait(false);
        if (pidFile is not null)
        {
            await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }

        Console.WriteLine($"edgeproxy-load upstream listening on http://{listen.Address}:{upstream.Port} (/hello, /ws, /sse, /status/NNN, echo)");
        await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (pidFile is not null)
        {
            File.Delete(pidFile);
        }

        return Passed;
    }

    private static int Fail(string message, TextWriter? errorOutput = null)
    {
        (errorOutput ?? Console.Error).WriteLine($"edgeproxy-load: {message}\n{Usage}");
        return UsageError;
    }
}
