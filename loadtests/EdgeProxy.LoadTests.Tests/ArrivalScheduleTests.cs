using EdgeProxy.LoadTests.Engine;

namespace EdgeProxy.LoadTests.Tests;

public class ArrivalScheduleTests
{
    [Fact]
    public void ConstantRate_SpacesArrivalsEvenly_AndCountsRateTimesDuration()
    {
        var schedule = new ArrivalSchedule(100, 100, TimeSpan.FromSeconds(1));

        Assert.Equal(100, schedule.Count);
        Assert.Equal(0, schedule.OffsetOf(0));
        Assert.Equal(0.01, schedule.OffsetOf(1), 12);
        Assert.Equal(0.99, schedule.OffsetOf(99), 12);
    }

    [Theory]
    [InlineData(0.1, 10, 1)]
    [InlineData(3, 0.5, 1)]
    [InlineData(20000, 5, 100000)]
    [InlineData(1000, 0.001, 1)]
    public void ConstantRate_CountIsExactDespiteFloatNoise(double rate, double seconds, long expected)
    {
        Assert.Equal(expected, new ArrivalSchedule(rate, rate, TimeSpan.FromSeconds(seconds)).Count);
    }

    [Fact]
    public void Ramp_CountIsTheAreaUnderTheRateLine()
    {
        // 1,000/s → 20,000/s over 3 s: (1,000 + 20,000) / 2 × 3.
        Assert.Equal(31_500, new ArrivalSchedule(1_000, 20_000, TimeSpan.FromSeconds(3)).Count);
        Assert.Equal(15, new ArrivalSchedule(10, 0, TimeSpan.FromSeconds(3)).Count);
    }

    [Theory]
    [InlineData(100, 1000, 10)]
    [InlineData(1000, 100, 10)]
    [InlineData(0.5, 50, 4)]
    public void Ramp_ArrivalIsWhereTheCumulativeCountReachesItsIndex(double from, double to, double seconds)
    {
        var schedule = new ArrivalSchedule(from, to, TimeSpan.FromSeconds(seconds));
        var slope = (to - from) / seconds;
        var previous = -1.0;
        for (long i = 0; i < schedule.Count; i += Math.Max(1, schedule.Count / 97))
        {
            var t = schedule.OffsetOf(i);
            Assert.True(t > previous, $"arrival {i} at {t} is not after {previous}");
            Assert.InRange(t, 0, seconds);

            // N(t) = r0·t + slope·t²/2 must equal the index.
            Assert.Equal(i, from * t + slope * t * t / 2, 6);
            previous = t;
        }
    }

    [Fact]
    public void Ramp_InstantaneousSpacingFollowsTheRate()
    {
        var schedule = new ArrivalSchedule(100, 300, TimeSpan.FromSeconds(10));

        // Near the start arrivals are ~1/100 s apart, near the end ~1/300 s.
        Assert.Equal(0.01, schedule.OffsetOf(2) - schedule.OffsetOf(1), 3);
        var last = schedule.Count - 1;
        Assert.Equal(1.0 / 300, schedule.OffsetOf(last) - schedule.OffsetOf(last - 1), 4);
    }
}
