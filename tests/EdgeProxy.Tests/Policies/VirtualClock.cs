namespace EdgeProxy.Tests.Policies;

/// <summary>
/// A clock the test moves by hand (STYLE pattern 22). Its tick frequency is odd on purpose by default, so any
/// arithmetic that assumes whole ticks per millisecond or per token shows up as an inexact count.
/// </summary>
internal sealed class VirtualClock(long frequency = VirtualClock.OddFrequency) : TimeProvider
{
    /// <summary>A prime near 1 GHz: no rate in the tests divides it.</summary>
    public const long OddFrequency = 999_999_937;

    private long _timestamp = 1_000_000_000_000;
    private DateTimeOffset _utcNow = new(2025, 1, 31, 23, 59, 0, TimeSpan.Zero);

    public override long TimestampFrequency { get; } = frequency;

    public long Now => Volatile.Read(ref _timestamp);

    public override long GetTimestamp() => Volatile.Read(ref _timestamp);

    public override DateTimeOffset GetUtcNow() => _utcNow;

    public long Advance(long ticks) => Interlocked.Add(ref _timestamp, ticks);

    public long AdvanceSeconds(double seconds) => Advance((long)(seconds * TimestampFrequency));

    public void SetUtcNow(DateTimeOffset now) => _utcNow = now;
}
