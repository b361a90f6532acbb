using System.Buffers.Binary;

namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// A stored bucket's key: the limit version's slot and the partition bytes (an address, a consumer id, or none).
/// Partitions of up to 16 bytes (every client address key, most consumer ids) are held inline, so a new bucket
/// costs no separate key array; longer ones are copied to <see cref="Overflow"/>.
/// </summary>
internal readonly struct BucketKey
{
    public const int InlineLength = 16;

    public BucketKey(int slot, ReadOnlySpan<byte> partition)
    {
        Slot = slot;
        Length = partition.Length;
        if (partition.Length <= InlineLength)
        {
            (Low, High) = Pack(partition);
        }
        else
        {
            Overflow = partition.ToArray();
        }
    }

    public int Slot { get; }

    public int Length { get; }

    public ulong Low { get; }

    public ulong High { get; }

    public byte[]? Overflow { get; }

    /// <summary>The bytes of a partition of up to <see cref="InlineLength"/> bytes as two words (zero-padded).</summary>
    public static (ulong Low, ulong High) Pack(ReadOnlySpan<byte> partition)
    {
        Span<byte> padded = stackalloc byte[InlineLength];
        padded.Clear();
        partition.CopyTo(padded);
        return (BinaryPrimitives.ReadUInt64LittleEndian(padded), BinaryPrimitives.ReadUInt64LittleEndian(padded[8..]));
    }
}

/// <summary>The same key over borrowed bytes, for looking a bucket up without allocating.</summary>
internal readonly ref struct BucketKeyView(int slot, ReadOnlySpan<byte> partition)
{
    public int Slot { get; } = slot;

    public ReadOnlySpan<byte> Partition { get; } = partition;
}
