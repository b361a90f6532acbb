namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// A mergeable latency histogram with log-spaced buckets (the DDSketch scheme): a value v ≥ 1 µs goes to bucket
/// ⌈log_γ v⌉ with γ = (1 + α) / (1 − α), and a quantile is answered with the bucket's midpoint 2γⁱ / (γ + 1), which
/// is within <see cref="RelativeError"/> (α = 1%) of the exact rank-order value. Merging adds bucket counts, so
/// minutes roll into hours and rows into dashboard points without losing that bound. 0 µs has its own bucket.
/// Stored per rollup row as <see cref="Serialize"/>: version byte, zero count, then (index delta, count) varint pairs.
/// </summary>
public sealed class LatencySketch
{
    public const double RelativeError = 0.01;

    private const byte FormatVersion = 1;

    private static readonly double Gamma = (1 + RelativeError) / (1 - RelativeError);
    private static readonly double LogGamma = Math.Log(Gamma);

    /// <summary>Values are clamped at 2^40 µs (about 12.7 days), which bounds the bucket array.</summary>
    private const long MaxValue = 1L << 40;

    internal static readonly int BucketCount = (int)Math.Ceiling(Math.Log(MaxValue) / LogGamma) + 1;

    private readonly long[] _buckets = new long[BucketCount];
    private long _zeros;

    public long Count { get; private set; }

    public void Add(long microseconds)
    {
        Count++;
        if (microseconds <= 0)
        {
            _zeros++;
            return;
        }

        _buckets[IndexOf(microseconds)]++;
    }

    public void Merge(LatencySketch other)
    {
        _zeros += other._zeros;
        Count += other.Count;
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] += other._buckets[i];
        }
    }

    /// <summary>Adds a serialized sketch (from a rollup row); a blob this code cannot read is ignored as empty.</summary>
    public void Merge(ReadOnlySpan<byte> serialized)
    {
        if (serialized.IsEmpty || serialized[0] != FormatVersion)
        {
            return;
        }

        var at = 1;
        var zeros = (long)ReadVarint(serialized, ref at);
        if (zeros < 0)
        {
            return;
        }

        var index = 0L;
        var count = zeros;
        var added = new List<(int, long)>();
        while (at < serialized.Length)
        {
            index += (long)ReadVarint(serialized, ref at);
            var n = (long)ReadVarint(serialized, ref at);
            if (index < 0 || index >= _buckets.Length || n < 0)
            {
                return; // not ours: leave the sketch as it was
            }

            added.Add(((int)index, n));
            count += n;
        }

        _zeros += zeros;
        Count += count;
        foreach (var (i, n) in added)
        {
            _buckets[i] += n;
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (0…1) in µs, within α of the exact value; 0 when empty.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        // Rank of the exact value in sorted order: floor(q · (n − 1)), 0-based.
        var rank = (long)Math.Floor(Math.Clamp(q, 0, 1) * (Count - 1));
        if (rank < _zeros)
        {
            return 0;
        }

        var seen = _zeros;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen > rank)
            {
                return 2 * Math.Pow(Gamma, i) / (Gamma + 1);
            }
        }

        return MaxValue;
    }

    public byte[] Serialize()
    {
        var buffer = new byte[1 + 10 + (BucketCount * 12)];
        var at = 0;
        buffer[at++] = FormatVersion;
        WriteVarint(buffer, ref at, (ulong)_zeros);
        var previous = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            if (_buckets[i] != 0)
            {
                WriteVarint(buffer, ref at, (ulong)(i - previous));
                WriteVarint(buffer, ref at, (ulong)_buckets[i]);
                previous = i;
            }
        }

        return buffer.AsSpan(0, at).ToArray();
    }

    public static LatencySketch Deserialize(ReadOnlySpan<byte> serialized)
    {
        var sketch = new LatencySketch();
        sketch.Merge(serialized);
        return sketch;
    }

    /// <summary>Merges two serialized sketches without expanding them (the SQL upsert's <c>sketch_merge</c>).</summary>
    public static byte[] MergeSerialized(byte[]? a, byte[]? b)
    {
        if (a is null || a.Length == 0)
        {
            return b ?? [];
        }

        if (b is null || b.Length == 0)
        {
            return a;
        }

        var sketch = Deserialize(a);
        sketch.Merge(b);
        return sketch.Serialize();
    }

    private static int IndexOf(long microseconds)
    {
        var value = Math.Min(microseconds, MaxValue);
        var index = (int)Math.Ceiling(Math.Log(value) / LogGamma);
        return Math.Clamp(index, 0, BucketCount - 1);
    }

    private static void WriteVarint(byte[] buffer, ref int at, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[at++] = (byte)value;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        return ulong.MaxValue; // truncated: the caller's bounds check rejects it
    }
}
