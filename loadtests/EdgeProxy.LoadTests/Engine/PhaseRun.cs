using System.Diagnostics;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>The shared state of a running phase: its clock, its iteration counter and (open model) its timetable.</summary>
internal sealed class PhaseRun
{
    private readonly long _end;
    private readonly long _limit;
    private readonly ArrivalSchedule _schedule;
    private long _next = -1;
    private long _missed;

    public PhaseRun(PhaseConfig config, int index, CancellationToken cancellation)
    {
        Config = config;
        Index = index;
        Cancellation = cancellation;
        Start = Stopwatch.GetTimestamp();
        _end = Start + VirtualUser.Ticks(config.Duration);
        if (config.Model == LoadModel.Open)
        {
            _schedule = new ArrivalSchedule(config.Rate, config.RateTo, config.Duration);
            _limit = _schedule.Count;
        }
        else
        {
            _limit = config.Iterations > 0 ? config.Iterations : long.MaxValue;
        }
    }

    public PhaseConfig Config { get; }

    public int Index { get; }

    public long Start { get; }

    public CancellationToken Cancellation { get; }

    public bool Cancelled => Cancellation.IsCancellationRequested;

    /// <summary>Closed model: the duration has passed (or the run was cancelled); start no more iterations.</summary>
    public bool IsOver => Cancelled || Stopwatch.GetTimestamp() >= _end;

    public TimeSpan Remaining => Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _end);

    /// <summary>Iterations started (or, open model, taken from the timetable).</summary>
    public long Iterations => Math.Min(Volatile.Read(ref _next) + 1, _limit);

    public long Missed => Volatile.Read(ref _missed);

    /// <summary>Open model: arrivals due in this phase.</summary>
    public long Planned => Config.Model == LoadModel.Open ? _limit : 0;

    public bool TryTakeIteration(out long iteration)
    {
        iteration = Interlocked.Increment(ref _next);
        return iteration < _limit;
    }

    /// <summary>Open model: the Stopwatch timestamp at which <paramref name="iteration"/> is due.</summary>
    public long IntendedStart(long iteration) => Start + (long)(_schedule.OffsetOf(iteration) * Stopwatch.Frequency);

    public void CountMissed() => Interlocked.Increment(ref _missed);
}
