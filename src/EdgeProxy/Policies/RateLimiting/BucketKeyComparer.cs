namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// Equality of bucket keys, and of a stored key with a span view of one (so a lookup needs no key object).
/// The hash is <see cref="HashCode"/>'s, seeded per process: callers choose the bytes (addresses, ids), and a
/// predictable hash would let them pile keys into one chain.
/// </summary>
internal sealed class BucketKeyComparer : IEqualityComparer<BucketKey>, IAlternateEqualityComparer<BucketKeyView, BucketKey>
{
    public static readonly BucketKeyComparer Instance = new();

    public bool Equals(BucketKey x, BucketKey y) =>
        x.Slot == y.Slot && x.Length == y.Length && x.Low == y.Low && x.High == y.High
        && (x.Overflow is null || x.Overflow.AsSpan().SequenceEqual(y.Overflow));

    public int GetHashCode(BucketKey key) =>
        key.Overflow is null ? HashCode.Combine(key.Slot, key.Length, key.Low, key.High) : HashLong(key.Slot, key.Overflow);

    public bool Equals(BucketKeyView view, BucketKey key)
    {
        if (view.Slot != key.Slot || view.Partition.Length != key.Length)
        {
            return false;
        }

        if (key.Overflow is not null)
        {
            return view.Partition.SequenceEqual(key.Overflow);
        }

        var (low, high) = BucketKey.Pack(view.Partition);
        return low == key.Low && high == key.High;
    }

    public int GetHashCode(BucketKeyView view)
    {
        if (view.Partition.Length > BucketKey.InlineLength)
        {
            return HashLong(view.Slot, view.Partition);
        }

        var (low, high) = BucketKey.Pack(view.Partition);
        return HashCode.Combine(view.Slot, view.Partition.Length, low, high);
    }

    public BucketKey Create(BucketKeyView view) => new(view.Slot, view.Partition);

    private static int HashLong(int slot, ReadOnlySpan<byte> partition)
    {
        var hash = new HashCode();
        hash.Add(slot);
        hash.AddBytes(partition);
        return hash.ToHashCode();
    }
}
