using System.Buffers;
using System.Collections.Concurrent;

namespace EdgeProxy.Upstreams;

/// <summary>
/// Fixed-size pinned blocks for upstream socket pipes, recycled through a bounded queue. The shared ArrayPool
/// runs dry with a hundred busy connections and then allocates on every read; this pool keeps what the busiest
/// minute needed (up to <see cref="MaxRetained"/> blocks) and drops the surplus to the GC.
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 32 * 1024;
    public const int MaxRetained = 1024;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _retained;

    public static BlockMemoryPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new Block(this, minBufferSize, pooled: false);
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            block.Rented = true;
            return block;
        }

        return new Block(this, BlockSize, pooled: true);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetained)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private sealed class Block(BlockMemoryPool pool, int size, bool pooled) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(size, pinned: true);

        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            if (Rented && pooled)
            {
                Rented = false;
                pool.Return(this);
            }
        }
    }
}
