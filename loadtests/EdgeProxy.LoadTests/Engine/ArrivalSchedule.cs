namespace EdgeProxy.LoadTests.Engine;

/// <summary>
/// The open model's timetable: iteration <c>i</c> of a phase is intended to start at <see cref="OffsetOf"/>(i),
/// for a rate that goes linearly from <c>rate</c> to <c>rateTo</c> over the phase. Arrivals are evenly spaced by
/// the instantaneous rate (the inverse of the cumulative count <c>N(t) = r0·t + (r1 − r0)·t² / 2T</c>).
/// </summary>
internal readonly struct ArrivalSchedule
{
    private readonly double _rate;
    private readonly double _halfSlope;

    public ArrivalSchedule(double rate, double rateTo, TimeSpan duration)
    {
        _rate = rate;
        var seconds = duration.TotalSeconds;
        _halfSlope = (rateTo - rate) / (2 * seconds);

        // Tolerate float noise (100/s for 1 s must be exactly 100 arrivals, not 99).
        Count = (long)Math.Floor((rate + rateTo) / 2 * seconds + 1e-9);
    }

    /// <summary>Arrivals in the phase: the area under the rate line.</summary>
    public long Count { get; }

    /// <summary>Seconds from the phase start at which arrival <paramref name="index"/> is due.</summary>
    public double OffsetOf(long index)
    {
        if (index <= 0)
        {
            return 0;
        }

        if (Math.Abs(_halfSlope) < 1e-12)
        {
            return index / _rate;
        }

        // Root of a·t² + r0·t − i = 0, written so that it does not cancel when a is small.
        return 2 * index / (_rate + Math.Sqrt(Math.Max(0, _rate * _rate + 4 * _halfSlope * index)));
    }
}
