using EdgeProxy.LoadTests.Engine;

namespace EdgeProxy.LoadTests.Tests;

public class OpenModelPacingTests
{
    private const long Ms = 1_000;          // ticks of a fake 1 MHz clock
    private const long Timeout = 2_000 * Ms;
    private const long Tolerance = 1 * Ms;

    [Fact]
    public void Early_WaitsUntilOneToleranceBeforeTheIntendedStart()
    {
        var decision = OpenModelPacing.Decide(now: 100 * Ms, intended: 110 * Ms, Timeout, Tolerance, out var wait);

        Assert.Equal(PacingDecision.Wait, decision);
        Assert.Equal(9 * Ms, wait);
    }

    [Theory]
    [InlineData(109_000)]   // exactly one tolerance early
    [InlineData(109_500)]
    [InlineData(110_000)]   // on time
    [InlineData(500_000)]   // late but within the timeout
    public void WithinToleranceOrLate_SendsNow(long now)
    {
        Assert.Equal(PacingDecision.Send, OpenModelPacing.Decide(now, intended: 110 * Ms, Timeout, Tolerance, out var wait));
        Assert.Equal(0, wait);
    }

    [Fact]
    public void LaterThanTheTimeout_IsMissedWithoutSending()
    {
        Assert.Equal(PacingDecision.Miss, OpenModelPacing.Decide(now: 110 * Ms + Timeout + 1, intended: 110 * Ms, Timeout, Tolerance, out _));
        Assert.Equal(PacingDecision.Send, OpenModelPacing.Decide(now: 110 * Ms + Timeout, intended: 110 * Ms, Timeout, Tolerance, out _));
    }

    [Fact]
    public void BusyConnection_IsMeasuredFromTheIntendedStart()
    {
        // The target stalled: the connection only came free 300 ms after this iteration was due. A response 1 ms
        // after the send has a latency of 301 ms, not 1 ms: the wait is the target's doing.
        var origin = OpenModelPacing.LatencyOrigin(intended: 1_000 * Ms, ready: 1_300 * Ms, sent: 1_300 * Ms);
        Assert.Equal(301 * Ms, 1_301 * Ms - origin);
        Assert.Equal(1_000 * Ms, OpenModelPacing.Backlog(intended: 1_000 * Ms, ready: 1_300 * Ms));
    }

    [Fact]
    public void IdleConnection_IsMeasuredFromTheActualSend()
    {
        // Free well before the intended start: a timer that fires 3 ms late is the runner's jitter, not latency.
        Assert.Null(OpenModelPacing.Backlog(intended: 1_000 * Ms, ready: 990 * Ms));
        Assert.Equal(1_003 * Ms, OpenModelPacing.LatencyOrigin(intended: 1_000 * Ms, ready: 990 * Ms, sent: 1_003 * Ms));

        // Sent 0.5 ms early (within the tolerance): no negative wait either.
        Assert.Equal(999_500, OpenModelPacing.LatencyOrigin(intended: 1_000 * Ms, ready: 990 * Ms, sent: 999_500));
    }

    [Fact]
    public void SimulatedStall_CorrectedLatencyCoversEveryDelayedArrival()
    {
        // One connection, 100 arrivals/s (every 10 ms), a service time of 1 ms, except request 10, which takes
        // 1 s. With correction, the ~100 arrivals queued behind the stall all show the delay they suffered.
        var schedule = new ArrivalSchedule(100, 100, TimeSpan.FromSeconds(3));
        long clock = 0;
        var latencies = new List<long>();
        for (long i = 0; i < schedule.Count; i++)
        {
            var intended = (long)(schedule.OffsetOf(i) * 1_000_000);
            var ready = clock;
            while (OpenModelPacing.Decide(clock, intended, Timeout, Tolerance, out var wait) == PacingDecision.Wait)
            {
                clock += wait;
            }

            var sent = clock;
            clock += i == 10 ? 1_000 * Ms : 1 * Ms;
            latencies.Add(clock - OpenModelPacing.LatencyOrigin(intended, ready, sent));
        }

        latencies.Sort();
        var p90 = latencies[(int)(latencies.Count * 0.9)];
        var p50 = latencies[latencies.Count / 2];
        Assert.Equal(300, latencies.Count);
        Assert.InRange(p50, 1 * Ms, 2 * Ms);

        // Uncorrected, only one sample would be slow and p90 would be 1 ms; corrected, ~100 of 300 are.
        Assert.True(latencies.Count(l => l > 100 * Ms) >= 90, $"only {latencies.Count(l => l > 100 * Ms)} slow samples");
        Assert.True(p90 > 100 * Ms);
    }
}
