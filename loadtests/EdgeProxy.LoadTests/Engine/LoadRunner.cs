using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeProxy.LoadTests.Http;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Engine;

internal sealed record PhaseResult(
    string Name,
    LoadModel Model,
    bool Recorded,
    int Connections,
    double Rate,
    double RateTo,
    double StartSeconds,
    double PlannedSeconds,
    double ActualSeconds,
    long Iterations,
    long Missed);

/// <summary>What a run measured, before SLOs are judged.</summary>
internal sealed class RunResult
{
    public required ScenarioConfig Scenario { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Per step (scenario order), the totals of recorded phases.</summary>
    public required IReadOnlyList<StepInterval> Steps { get; init; }

    public required StepInterval Overall { get; init; }

    /// <summary>Wall time of the recorded phases, the denominator of throughput.</summary>
    public required double RecordedSeconds { get; init; }

    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }

    public required IReadOnlyList<PhaseResult> Phases { get; init; }

    public required IReadOnlyList<ActionResult> Actions { get; init; }

    public required long ConnectionsOpened { get; init; }

    public required bool Cancelled { get; init; }
}

/// <summary>Runs a scenario's phases one after another, printing a progress line each second.</summary>
internal static class LoadRunner
{
    public static async Task<RunResult> RunAsync(ScenarioConfig scenario, TextWriter output, bool progress, CancellationToken cancellation)
    {
        var endPoint = await ResolveAsync(scenario.Target, cancellation).ConfigureAwait(false);
        var feeds = scenario.Feeds.Select(f => new FeedData(f)).ToArray();
        var measurements = new Measurements(scenario.Steps.Select(s => s.Name));
        var steps = scenario.Steps.Select((s, i) => new CompiledStep(s, scenario, measurements.Live[i])).ToArray();
        using var watchdog = new Watchdog();
        var users = new List<VirtualUser>();
        var phases = new List<PhaseResult>();
        var startedAt = DateTimeOffset.UtcNow;
        var phaseLock = new Lock();
        var current = 0;
        double recordedSeconds = 0;

        await using var actions = new ActionRunner(scenario.Actions, output);
        actions.Start(scenario.Phases.Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration));
        using var tickerStop = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await TickAsync(timer, tickerStop.Token).ConfigureAwait(false))
            {
                lock (phaseLock)
                {
                    var phase = scenario.Phases[current];
                    var point = measurements.Cut(current, phase.Record);
                    if (progress)
                    {
                        output.WriteLine(ProgressLine(point, phase, measurements.RecordedP99(point), measurements));
                    }
                }
            }
        });

        try
        {
            for (var i = 0; i < scenario.Phases.Count && !cancellation.IsCancellationRequested; i++)
            {
                var config = scenario.Phases[i];
                while (users.Count < config.Connections)
                {
                    users.Add(new VirtualUser(users.Count, steps, endPoint, watchdog, feeds, scenario));
                }

                var startSeconds = measurements.Elapsed;
                var run = new PhaseRun(config, i, cancellation);
                var workers = new Task[config.Connections];

                // Workers need no ambient context: without it every await skips capturing and restoring one.
                using (ExecutionContext.SuppressFlow())
                {
                    for (var u = 0; u < workers.Length; u++)
                    {
                        var user = users[u];
                        workers[u] = Task.Run(() => config.Model == LoadModel.Open ? user.RunOpenAsync(run) : user.RunClosedAsync(run));
                    }
                }

                await Task.WhenAll(workers).ConfigureAwait(false);
                var actual = Stopwatch.GetElapsedTime(run.Start).TotalSeconds;
                lock (phaseLock)
                {
                    measurements.Cut(i, config.Record);
                    current = Math.Min(i + 1, scenario.Phases.Count - 1);
                }

                if (config.Record)
                {
                    recordedSeconds += actual;
                }

                phases.Add(new PhaseResult(config.Name, config.Model, config.Record, config.Connections, config.Rate, config.RateTo, startSeconds,
                    config.Duration.TotalSeconds, actual, run.Iterations, run.Missed));
            }
        }
        finally
        {
            await tickerStop.CancelAsync().ConfigureAwait(false);
            await ticker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var user in users)
            {
                user.Dispose();
            }
        }

        var overall = StepInterval.Empty();
        foreach (var total in measurements.Totals)
        {
            overall.Add(total);
        }

        var opened = users.Sum(u => u.ConnectionsOpened);
        await actions.DisposeAsync().ConfigureAwait(false);
        return new RunResult
        {
            Scenario = scenario,
            StartedAt = startedAt,
            Steps = measurements.Totals,
            Overall = overall,
            RecordedSeconds = recordedSeconds,
            Timeline = measurements.Timeline,
            Phases = phases,
            Actions = actions.Results,
            ConnectionsOpened = opened,
            Cancelled = cancellation.IsCancellationRequested,
        };
    }

    private static async ValueTask<bool> TickAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<EndPoint> ResolveAsync(TargetAddress target, CancellationToken cancellation)
    {
        if (IPAddress.TryParse(target.Host.Trim('[', ']'), out var address))
        {
            return new IPEndPoint(address, target.Port);
        }

        var addresses = await Dns.GetHostAddressesAsync(target.Host, cancellation).ConfigureAwait(false);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, target.Port);
    }

    private static string ProgressLine(TimelinePoint point, PhaseConfig phase, double p99SoFar, Measurements measurements)
    {
        var seconds = Math.Max(1e-9, point.EndSeconds - point.StartSeconds);
        long errors = 0, requests = 0;
        foreach (var total in measurements.Totals)
        {
            errors += total.ErrorCount;
            requests += total.Requests;
        }

        var share = requests == 0 ? 0 : 100.0 * errors / requests;
        var label = phase.Record ? phase.Name : phase.Name + " (not recorded)";
        return string.Create(CultureInfo.InvariantCulture,
            $"[{point.EndSeconds,6:0.0}s] {label,-24} {point.Requests / seconds,10:N0} req/s   p99 {p99SoFar,8:0.00} ms   errors {errors:N0} ({share:0.00}%)");
    }
}
