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

    // Sparse: a rollup cell holds a handful of distinct buckets, and ingest builds thousands of cells per batch.
    private readonly Dictionary<int, long> _buckets = [];
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

        ref var bucket = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, IndexOf(microseconds), out _);
        bucket++;
    }

    public void Merge(LatencySketch other)
    {
        _zeros += other._zeros;
        Count += other.Count;
        foreach (var (index, n) in other._buckets)
        {
            ref var bucket = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, index, out _);
            bucket += n;
        }
    }

    /// <summary>Adds a serialized sketch (from a rollup row); a blob this code cannot read is ignored as empty.</summary>
    public void Merge(ReadOnlySpan<byte> serialized)
    {
        if (!Valid(serialized))
        {
            return;
        }

        var reader = new BucketReader(serialized);
        _zeros += reader.Zeros;
        Count += reader.Zeros;
        while (reader.Next(out var index, out var n))
        {
            ref var bucket = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, (int)index, out _);
            bucket += n;
            Count += n;
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
        foreach (var index in SortedIndices())
        {
            seen += _buckets[index];
            if (seen > rank)
            {
                return 2 * Math.Pow(Gamma, index) / (Gamma + 1);
            }
        }

        return MaxValue;
    }

    public byte[] Serialize()
    {
        var buffer = new byte[1 + 10 + (_buckets.Count * 13)];
        var at = 0;
        buffer[at++] = FormatVersion;
        WriteVarint(buffer, ref at, (ulong)_zeros);
        var previous = 0;
        foreach (var index in SortedIndices())
        {
            WriteVarint(buffer, ref at, (ulong)(index - previous));
            WriteVarint(buffer, ref at, (ulong)_buckets[index]);
            previous = index;
        }

        return buffer.AsSpan(0, at).ToArray();
    }

    public static LatencySketch Deserialize(ReadOnlySpan<byte> serialized)
    {
        var sketch = new LatencySketch();
        sketch.Merge(serialized);
        return sketch;
    }

    /// <summary>
    /// Merges two serialized sketches (the SQL upsert's <c>sketch_merge</c>) by a merge-join of their sorted buckets,
    /// straight from the bytes: nothing is built but the result. A blob that does not read counts as empty.
    /// </summary>
    public static byte[] MergeSerialized(byte[]? a, byte[]? b)
    {
        var okA = Valid(a);
        var okB = Valid(b);
        if (!okA || !okB)
        {
            return okA ? a! : okB ? b! : new LatencySketch().Serialize();
        }

        var left = new BucketReader(a);
        var right = new BucketReader(b);
        var buffer = new byte[a!.Length + b!.Length + 10];
        var at = 0;
        buffer[at++] = FormatVersion;
        WriteVarint(buffer, ref at, (ulong)(left.Zeros + right.Zeros));
        var hasLeft = left.Next(out var li, out var ln);
        var hasRight = right.Next(out var ri, out var rn);
        var previous = 0L;
        while (hasLeft || hasRight)
        {
            long index, n;
            if (!hasRight || (hasLeft && li < ri))
            {
                (index, n) = (li, ln);
                hasLeft = left.Next(out li, out ln);
            }
            else if (!hasLeft || ri < li)
            {
                (index, n) = (ri, rn);
                hasRight = right.Next(out ri, out rn);
            }
            else
            {
                (index, n) = (li, ln + rn);
                hasLeft = left.Next(out li, out ln);
                hasRight = right.Next(out ri, out rn);
            }

            WriteVarint(buffer, ref at, (ulong)(index - previous));
            WriteVarint(buffer, ref at, (ulong)n);
            previous = index;
        }

        return buffer.AsSpan(0, at).ToArray();
    }

    private static bool Valid(ReadOnlySpan<byte> serialized)
    {
        if (serialized.IsEmpty || serialized[0] != FormatVersion)
        {
            return false;
        }

        var reader = new BucketReader(serialized);
        if (reader.Zeros < 0)
        {
            return false;
        }

        while (reader.Next(out _, out _))
        {
        }

        return !reader.Invalid;
    }

    /// <summary>Walks a serialized sketch's (index, count) pairs; <see cref="Invalid"/> once one is out of range.</summary>
    private ref struct BucketReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _at;
        private long _index;

        public BucketReader(ReadOnlySpan<byte> data)
        {
            _data = data;
            _at = 1;
            Zeros = (long)ReadVarint(data, ref _at);
        }

        public long Zeros { get; }

        public bool Invalid { get; private set; }

        public bool Next(out long index, out long count)
        {
            index = 0;
            count = 0;
            if (Invalid || _at >= _data.Length)
            {
                return false;
            }

            _index += (long)ReadVarint(_data, ref _at);
            count = (long)ReadVarint(_data, ref _at);
            if (_index < 0 || _index >= BucketCount || count < 0)
            {
                Invalid = true;
                return false;
            }

            index = _index;
            return true;
        }
    }

    private List<int> SortedIndices()
    {
        var indices = new List<int>(_buckets.Keys);
        indices.Sort();
        return indices;
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
