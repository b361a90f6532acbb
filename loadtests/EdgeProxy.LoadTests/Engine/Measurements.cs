using System.Diagnostics;
using HdrHistogram;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>One row of the run's timeline (usually a second; cut short at phase ends).</summary>
internal sealed record TimelinePoint(
    double StartSeconds,
    double EndSeconds,
    int Phase,
    bool Recorded,
    long Requests,
    long Errors,
    long Events,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs);

/// <summary>
/// Turns the steps' live counters into a timeline and run totals. Cuts happen once a second and at every phase
/// boundary (after the phase's last request), so an interval never mixes a warm-up with a measured phase and the
/// totals of measured phases are exact.
/// </summary>
internal sealed class Measurements
{
    private readonly Lock _lock = new();
    private readonly StepStats[] _live;
    private readonly long _start;
    private long _lastCut;

    public Measurements(IEnumerable<string> stepNames)
    {
        _live = [.. stepNames.Select(n => new StepStats(n))];
        Totals = [.. _live.Select(_ => StepInterval.Empty())];
        _start = _lastCut = Stopwatch.GetTimestamp();
    }

    public IReadOnlyList<StepStats> Live => _live;

    /// <summary>Per step, everything counted during recorded phases.</summary>
    public StepInterval[] Totals { get; }

    public List<TimelinePoint> Timeline { get; } = [];

    public double Elapsed => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    /// <summary>Closes the current interval as part of <paramref name="phase"/>; returns its overall numbers.</summary>
    public TimelinePoint Cut(int phase, bool recorded)
    {
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            var overall = StepInterval.Empty();
            for (var i = 0; i < _live.Length; i++)
            {
                var interval = _live[i].Cut();
                overall.Add(interval);
                if (recorded)
                {
                    Totals[i].Add(interval);
                }
            }

            var h = overall.Histogram;
            var point = new TimelinePoint(
                Stopwatch.GetElapsedTime(_start, _lastCut).TotalSeconds,
                Stopwatch.GetElapsedTime(_start, now).TotalSeconds,
                phase,
                recorded,
                overall.Requests,
                overall.ErrorCount,
                overall.Events,
                Ms(h, 50),
                Ms(h, 90),
                Ms(h, 99),
                h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0);
            _lastCut = now;
            Timeline.Add(point);
            return point;
        }
    }

    /// <summary>The p99 of all recorded phases so far plus <paramref name="pending"/> (for the progress line).</summary>
    public double RecordedP99(TimelinePoint pending)
    {
        lock (_lock)
        {
            var all = StepInterval.NewHistogram();
            foreach (var total in Totals)
            {
                all.Add(total.Histogram);
            }

            return all.TotalCount == 0 ? pending.P99Ms : Ms(all, 99);
        }
    }

    private static double Ms(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;
}
