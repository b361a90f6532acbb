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
        if (!TryRead(serialized, out var zeros, out var entries))
        {
            return;
        }

        _zeros += zeros;
        Count += zeros;
        foreach (var (index, n) in entries)
        {
            ref var bucket = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_buckets, index, out _);
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
    /// without building either sketch. A blob that does not read counts as empty.
    /// </summary>
    public static byte[] MergeSerialized(byte[]? a, byte[]? b)
    {
        var okA = TryRead(a, out var zerosA, out var entriesA);
        var okB = TryRead(b, out var zerosB, out var entriesB);
        if (!okA || !okB)
        {
            return okA ? a! : okB ? b! : new LatencySketch().Serialize();
        }

        var buffer = new byte[1 + 10 + ((entriesA.Count + entriesB.Count) * 13)];
        var at = 0;
        buffer[at++] = FormatVersion;
        WriteVarint(buffer, ref at, (ulong)(zerosA + zerosB));
        int i = 0, j = 0, previous = 0;
        while (i < entriesA.Count || j < entriesB.Count)
        {
            int index;
            long n;
            if (j >= entriesB.Count || (i < entriesA.Count && entriesA[i].Index < entriesB[j].Index))
            {
                (index, n) = entriesA[i++];
            }
            else if (i >= entriesA.Count || entriesB[j].Index < entriesA[i].Index)
            {
                (index, n) = entriesB[j++];
            }
            else
            {
                index = entriesA[i].Index;
                n = entriesA[i++].Count + entriesB[j++].Count;
            }

            WriteVarint(buffer, ref at, (ulong)(index - previous));
            WriteVarint(buffer, ref at, (ulong)n);
            previous = index;
        }

        return buffer.AsSpan(0, at).ToArray();
    }

    private List<int> SortedIndices()
    {
        var indices = new List<int>(_buckets.Keys);
        indices.Sort();
        return indices;
    }

    // Reads version, zero count and the (index, count) pairs, checking every index against the bucket range.
    private static bool TryRead(ReadOnlySpan<byte> serialized, out long zeros, out List<(int Index, long Count)> entries)
    {
        entries = [];
        zeros = 0;
        if (serialized.IsEmpty || serialized[0] != FormatVersion)
        {
            return false;
        }

        var at = 1;
        zeros = (long)ReadVarint(serialized, ref at);
        if (zeros < 0)
        {
            return false;
        }

        var index = 0L;
        while (at < serialized.Length)
        {
            index += (long)ReadVarint(serialized, ref at);
            var n = (long)ReadVarint(serialized, ref at);
            if (index < 0 || index >= BucketCount || n < 0)
            {
                return false;
            }

            entries.Add(((int)index, n));
        }

        return true;
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
