using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Analytics;

/// <summary>
/// Preallocated slots of <see cref="AnalyticsWire.MaxSampleBytes"/> for the request samples of error records, apart
/// from the record ring so records stay small. The request path claims a slot with one compare-and-swap (trying a
/// few from a rotating cursor; the shipper frees them in about the order they were taken), writes the sample and
/// hands the slot's ticket (index + 1) to the record; the shipper reads it while encoding and frees it. Nothing
/// waits: no free slot, or more than the per-second cap this second, and the record goes without a sample (counted).
/// </summary>
internal sealed class RequestSampleRing
{
    public const int DefaultSlots = 256;

    /// <summary>Slots tried per claim before giving up: a few, so a full ring costs little.</summary>
    private const int Probes = 8;

    private readonly byte[] _bytes;
    private readonly int[] _lengths;
    private readonly int[] _taken;
    private readonly int _perSecond;
    private long _cursor;
    private long _second;
    private int _thisSecond;
    private long _written;
    private long _skippedFull;
    private long _skippedRate;

    /// <param name="slots">Samples that can wait for the shipper at once.</param>
    /// <param name="perSecond">Samples taken per second at most; 0 takes none.</param>
    public RequestSampleRing(int slots, int perSecond)
    {
        _bytes = new byte[slots * AnalyticsWire.MaxSampleBytes];
        _lengths = new int[slots];
        _taken = new int[slots];
        _perSecond = perSecond;
    }

    public bool Enabled => _perSecond > 0 && _taken.Length > 0;

    public long Written => Interlocked.Read(ref _written);

    /// <summary>Samples not taken because every slot was waiting for the shipper.</summary>
    public long SkippedFull => Interlocked.Read(ref _skippedFull);

    /// <summary>Samples not taken because the second's cap was reached.</summary>
    public long SkippedRate => Interlocked.Read(ref _skippedRate);

    /// <summary>Claims a slot; returns its ticket (≥ 1) and the buffer to write into, or 0 when none is free or the cap is reached.</summary>
    public int TryClaim(out Span<byte> buffer)
    {
        buffer = default;
        if (!Enabled)
        {
            return 0;
        }

        // A fixed one-second window; two threads crossing the second together may both reset it (a few extra samples).
        var second = Environment.TickCount64 / 1000;
        if (Volatile.Read(ref _second) != second && Interlocked.Exchange(ref _second, second) != second)
        {
            Volatile.Write(ref _thisSecond, 0);
        }

        if (Interlocked.Increment(ref _thisSecond) > _perSecond)
        {
            Interlocked.Increment(ref _skippedRate);
            AnalyticsMetrics.SamplesSkippedRate.Inc();
            return 0;
        }

        var start = Interlocked.Increment(ref _cursor);
        var probes = Math.Min(Probes, _taken.Length);
        for (var i = 0; i < probes; i++)
        {
            var slot = (int)((ulong)(start + i) % (ulong)_taken.Length);
            if (Interlocked.CompareExchange(ref _taken[slot], 1, 0) == 0)
            {
                buffer = _bytes.AsSpan(slot * AnalyticsWire.MaxSampleBytes, AnalyticsWire.MaxSampleBytes);
                return slot + 1;
            }
        }

        Interlocked.Increment(ref _skippedFull);
        AnalyticsMetrics.SamplesSkippedFull.Inc();
        return 0;
    }

    /// <summary>Records the written length; the record that carries the ticket publishes it to the shipper.</summary>
    public void Commit(int ticket, int length)
    {
        _lengths[ticket - 1] = length;
        Interlocked.Increment(ref _written);
        AnalyticsMetrics.SamplesWritten.Inc();
    }

    /// <summary>The sample's bytes; shipper thread, between taking the record and <see cref="Release"/>.</summary>
    public ReadOnlySpan<byte> Read(int ticket) => _bytes.AsSpan((ticket - 1) * AnalyticsWire.MaxSampleBytes, _lengths[ticket - 1]);

    public void Release(int ticket) => Volatile.Write(ref _taken[ticket - 1], 0);
}
