using EdgeProxy.LoadTests.Http;
using HdrHistogram;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>
/// Live counters of one step, written by every worker at once: latencies into HdrHistogram
/// <see cref="Recorder"/>s (wait-free writes, interval reads), counts with <see cref="Interlocked"/>. Writers go
/// to the shard of the processor they run on, so two cores do not bounce the same cache lines on every request.
/// The sampler cuts the shards into intervals; only intervals of recorded phases reach the totals.
/// </summary>
internal sealed class StepStats
{
    /// <summary>Latencies are recorded in microseconds, from 1 µs to an hour, at 3 significant digits.</summary>
    public const long MaxMicros = 3_600_000_000;

    private readonly Shard[] _shards;

    // What the last cut saw, to turn the running counters into per-interval deltas (touched by the sampler only).
    private readonly long[] _lastStatuses = new long[600];
    private readonly long[] _lastErrors = new long[ErrorKinds.Names.Length];
    private long _lastOk;
    private long _lastEvents;

    public StepStats(string name)
    {
        Name = name;
        _shards = new Shard[Math.Clamp(Environment.ProcessorCount, 1, 8)];
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }
    }

    public string Name { get; }

    /// <summary>A response with an expected status (or an echoed WebSocket message), and its latency.</summary>
    public void Success(int status, long micros)
    {
        var shard = Current;
        shard.Recorder.RecordValue(Math.Clamp(micros, 1, MaxMicros));
        if ((uint)status < 600u && status != 0)
        {
            Interlocked.Increment(ref shard.Statuses[status]);
        }

        Interlocked.Increment(ref shard.Ok);
    }

    /// <summary>A failure; <paramref name="status"/> and <paramref name="micros"/> are 0 / negative when no response came.</summary>
    public void Failure(ErrorKind kind, int status, long micros)
    {
        var shard = Current;
        if (micros >= 0)
        {
            shard.Recorder.RecordValue(Math.Clamp(micros, 1, MaxMicros));
        }

        Status(status);
        Interlocked.Increment(ref shard.Errors[(int)kind]);
    }

    /// <summary>Counts a status without an outcome (a WebSocket handshake, whose messages are the outcomes).</summary>
    public void Status(int status)
    {
        if ((uint)status < 600u && status != 0)
        {
            Interlocked.Increment(ref Current.Statuses[status]);
        }
    }

    public void Events(long count) => Interlocked.Add(ref Current.Events, count);

    /// <summary>Everything counted since the previous cut (sampler thread only).</summary>
    public StepInterval Cut()
    {
        // Counts first, histograms last: a request counted in this interval has its latency here or in the next.
        long ok = 0, events = 0;
        var statuses = new long[600];
        var errors = new long[ErrorKinds.Names.Length];
        foreach (var shard in _shards)
        {
            ok += Volatile.Read(ref shard.Ok);
            events += Volatile.Read(ref shard.Events);
            Sum(shard.Statuses, statuses);
            Sum(shard.Errors, errors);
        }

        var interval = new StepInterval(StepInterval.NewHistogram(), ok - _lastOk, Delta(statuses, _lastStatuses), Delta(errors, _lastErrors), events - _lastEvents);
        _lastOk = ok;
        _lastEvents = events;
        foreach (var shard in _shards)
        {
            interval.Histogram.Add(shard.Recorder.GetIntervalHistogram());
        }

        return interval;
    }

    private Shard Current => _shards[(uint)Thread.GetCurrentProcessorId() % (uint)_shards.Length];

    private static void Sum(long[] source, long[] total)
    {
        for (var i = 0; i < source.Length; i++)
        {
            total[i] += Volatile.Read(ref source[i]);
        }
    }

    private static long[] Delta(long[] current, long[] last)
    {
        var delta = new long[current.Length];
        for (var i = 0; i < current.Length; i++)
        {
            delta[i] = current[i] - last[i];
            last[i] = current[i];
        }

        return delta;
    }

    private sealed class Shard
    {
        public readonly Recorder Recorder = HistogramFactory.With64BitBucketSize()
            .WithValuesFrom(1).WithValuesUpTo(MaxMicros).WithPrecisionOf(3)
            .WithThreadSafeWrites().WithThreadSafeReads().Create();

        public readonly long[] Statuses = new long[600];
        public readonly long[] Errors = new long[ErrorKinds.Names.Length];
        public long Ok;
        public long Events;
    }
}

/// <summary>One step's numbers over one interval (or, summed, over a whole run).</summary>
internal sealed class StepInterval(HistogramBase histogram, long ok, long[] statuses, long[] errors, long events)
{
    public HistogramBase Histogram { get; } = histogram;

    public long Ok { get; private set; } = ok;

    public long[] Statuses { get; } = statuses;

    public long[] Errors { get; } = errors;

    public long Events { get; private set; } = events;

    public long ErrorCount => Errors.Sum();

    public long Requests => Ok + ErrorCount;

    public static StepInterval Empty() => new(NewHistogram(), 0, new long[600], new long[ErrorKinds.Names.Length], 0);

    public static HistogramBase NewHistogram() => HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(1).WithValuesUpTo(StepStats.MaxMicros).WithPrecisionOf(3).Create();

    public void Add(StepInterval other)
    {
        Histogram.Add(other.Histogram);
        Ok += other.Ok;
        Events += other.Events;
        for (var i = 0; i < Statuses.Length; i++)
        {
            Statuses[i] += other.Statuses[i];
        }

        for (var i = 0; i < Errors.Length; i++)
        {
            Errors[i] += other.Errors[i];
        }
    }
}
