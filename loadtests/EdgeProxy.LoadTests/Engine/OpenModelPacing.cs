namespace EdgeProxy.LoadTests.Engine;

internal enum PacingDecision
{
    /// <summary>Too early: wait, then decide again.</summary>
    Wait,

    Send,

    /// <summary>So late that the answer would come after the timeout anyway: count it as missed, send nothing.</summary>
    Miss,
}

/// <summary>
/// When an open-model iteration is sent and where its latency is measured from (all times in Stopwatch ticks).
/// An iteration whose connection was still busy at its intended start (because earlier responses were slow) is
/// measured from the <em>intended</em> start, so the time it waited counts against the target and stalls show in
/// the percentiles (no coordinated omission). An iteration whose connection was idle and waiting for the intended
/// start is measured from the real send: a late timer is the runner's jitter, not the target's. Sending up to
/// <see cref="EarlyTolerance"/> early, instead of sleeping the last fraction of a millisecond, keeps the waits short.
/// </summary>
internal static class OpenModelPacing
{
    public static readonly TimeSpan EarlyTolerance = TimeSpan.FromMilliseconds(1);

    public static PacingDecision Decide(long now, long intended, long timeout, long earlyTolerance, out long wait)
    {
        wait = 0;
        if (now - intended > timeout)
        {
            return PacingDecision.Miss;
        }

        if (intended - now > earlyTolerance)
        {
            // Wake a tolerance early: timers fire late, never early.
            wait = intended - now - earlyTolerance;
            return PacingDecision.Wait;
        }

        return PacingDecision.Send;
    }

    /// <summary>
    /// The instant latency is measured from: the intended start when the connection only became free
    /// (<paramref name="ready"/>) after it, otherwise the real send.
    /// </summary>
    public static long LatencyOrigin(long intended, long ready, long sent) => LatencyOrigin(Backlog(intended, ready), sent);

    /// <summary>The intended start when the connection came free after it (the iteration is late), else null.</summary>
    public static long? Backlog(long intended, long ready) => ready > intended ? intended : null;

    /// <summary>Where the latency of a request sent at <paramref name="sent"/> runs from, given its <see cref="Backlog"/>.</summary>
    public static long LatencyOrigin(long? backlog, long sent) => backlog is { } due ? Math.Min(due, sent) : sent;
}
