using System.Buffers;
using EdgeProxy.Buffers;

namespace EdgeProxy.Upstreams;

/// <summary>
/// One pooled block in the chain of a <see cref="SocketReader"/> or <see cref="SocketWriter"/>: the block's
/// filled part is the segment's memory, the rest is where the next receive or write goes.
/// </summary>
internal sealed class SocketSegment : ReadOnlySequenceSegment<byte>
{
    private IMemoryOwner<byte>? _block;

    /// <summary>The whole block (filled and free parts).</summary>
    public Memory<byte> Block { get; private set; }

    /// <summary>Bytes filled from the block's start.</summary>
    public int Length { get; private set; }

    public Memory<byte> Free => Block[Length..];

    public SocketSegment? NextSegment => (SocketSegment?)Next;

    public void Rent(int minimumSize, SocketSegment? previous)
    {
        // Large blocks on this side: a socket receive or send takes whatever fits.
        _block = BlockMemoryPool.Instance.Rent(Math.Max(minimumSize, BlockMemoryPool.BlockSize));
        Block = _block.Memory;
        Length = 0;
        Memory = Block[..0];
        Next = null;
        RunningIndex = previous is null ? 0 : previous.RunningIndex + previous.Length;
        if (previous is not null)
        {
            previous.Next = this;
        }
    }

    public void Filled(int count)
    {
        Length += count;
        Memory = Block[..Length];
    }

    /// <summary>Gives the block back to the pool; the segment object itself is kept by its owner for reuse.</summary>
    public void Release()
    {
        _block?.Dispose();
        _block = null;
        Block = default;
        Memory = default;
        Length = 0;
        Next = null;
    }
}
