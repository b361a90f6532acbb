using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using EdgeProxy.LoadTests.Http;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>
/// One worker: a connection of its own and the loop that runs iterations on it, closed model (one iteration after
/// another) or open model (iterations taken from the phase's timetable).
/// </summary>
internal sealed class VirtualUser
{
    private readonly CompiledStep[] _steps;
    private readonly HttpConnection _connection;
    private readonly EndPoint _endPoint;
    private readonly Watchdog _watchdog;
    private readonly IterationContext _context;
    private readonly long _timeoutTicks;
    private byte[] _scratch = new byte[4096];

    public VirtualUser(int index, CompiledStep[] steps, EndPoint endPoint, Watchdog watchdog, FeedData[] feeds, ScenarioConfig scenario)
    {
        _steps = steps;
        _endPoint = endPoint;
        _watchdog = watchdog;
        _connection = new HttpConnection(endPoint);
        _watchdog.Add(_connection);
        _context = new IterationContext(index, feeds, scenario.Seed);
        _timeoutTicks = Ticks(scenario.Timeout);
    }

    public long ConnectionsOpened => _connection.Opened;

    public async Task RunClosedAsync(PhaseRun phase)
    {
        while (!phase.IsOver && phase.TryTakeIteration(out var iteration))
        {
            await RunIterationAsync(phase, iteration, backlog: null).ConfigureAwait(false);
        }
    }

    public async Task RunOpenAsync(PhaseRun phase)
    {
        var tolerance = Ticks(OpenModelPacing.EarlyTolerance);
        while (!phase.Cancelled && phase.TryTakeIteration(out var iteration))
        {
            var intended = phase.IntendedStart(iteration);
            var ready = Stopwatch.GetTimestamp();
            while (true)
            {
                var decision = OpenModelPacing.Decide(Stopwatch.GetTimestamp(), intended, _timeoutTicks, tolerance, out var wait);
                if (decision == PacingDecision.Wait)
                {
                    // Timers count whole milliseconds (a shorter delay would complete at once and spin): round.
                    var milliseconds = Math.Max(1, (int)Math.Round(wait * 1000.0 / Stopwatch.Frequency));
                    await Task.Delay(milliseconds, phase.Cancellation).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    if (phase.Cancelled)
                    {
                        return;
                    }

                    continue;
                }

                if (decision == PacingDecision.Miss)
                {
                    _steps[0].Stats.Failure(ErrorKind.Missed, 0, -1);
                    phase.CountMissed();
                }
                else
                {
                    await RunIterationAsync(phase, iteration, OpenModelPacing.Backlog(intended, ready)).ConfigureAwait(false);
                }

                break;
            }
        }
    }

    public void Dispose()
    {
        _watchdog.Remove(_connection);
        _connection.Dispose();
    }

    // One pooled state machine per iteration (not one per step and per await level): with two cores shared with
    // the target, every continuation hop and allocation on this path costs throughput.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    /// <param name="backlog">Open model, behind schedule: the intended start the first step's latency runs from.</param>
    private async ValueTask RunIterationAsync(PhaseRun phase, long iteration, long? backlog)
    {
        _context.Next(iteration);
        for (var i = 0; i < _steps.Length; i++)
        {
            var step = _steps[i];
            var origin = i == 0 ? backlog : null;
            bool ok;
            switch (step.Config.Kind)
            {
                case StepKind.WebSocket:
                    ok = await WebSocketExchange.RunAsync(step, _endPoint, _watchdog, _context, _timeoutTicks, phase.Cancellation).ConfigureAwait(false);
                    break;
                case StepKind.Sse:
                    ok = await SseSubscription.RunAsync(step, _endPoint, _watchdog, _context, origin).ConfigureAwait(false);
                    break;
                default:
                    var request = step.Request.Render(_context, ref _scratch);
                    var sent = Stopwatch.GetTimestamp();
                    var result = await _connection.ExchangeAsync(request, step.Request.HeadRequest, sent + _timeoutTicks).ConfigureAwait(false);
                    ok = Record(step, result, OpenModelPacing.LatencyOrigin(origin, sent));
                    break;
            }

            if (!ok || phase.Cancelled)
            {
                return;
            }

            if (step.Config.ThinkTime > TimeSpan.Zero)
            {
                var remaining = phase.Remaining;
                if (remaining <= TimeSpan.Zero)
                {
                    return;
                }

                var pause = step.Config.ThinkTime < remaining ? step.Config.ThinkTime : remaining;
                await Task.Delay(pause, phase.Cancellation).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static bool Record(CompiledStep step, ExchangeResult result, long origin)
    {
        var micros = Micros(Stopwatch.GetTimestamp() - origin);
        if (result.Error != ErrorKind.None)
        {
            step.Stats.Failure(result.Error, result.Status, -1);
            return false;
        }

        if (!step.Config.ExpectStatus.Contains(result.Status))
        {
            step.Stats.Failure(ErrorKind.UnexpectedStatus, result.Status, micros);
            return false;
        }

        step.Stats.Success(result.Status, micros);
        return true;
    }

    internal static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    internal static long Micros(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;
}
