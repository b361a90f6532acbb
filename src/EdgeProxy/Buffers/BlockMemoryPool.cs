using System.Buffers;
using System.Collections.Concurrent;

namespace EdgeProxy.Buffers;

/// <summary>
/// Fixed-size pinned blocks for the gateway's buffers on both sides (upstream sockets, and the client connections'
/// pipes through <see cref="BlockPoolFactory"/>), recycled through a bounded queue. The shared ArrayPool
/// runs dry with a hundred busy connections and then allocates on every read; this pool keeps what the busiest
/// minute needed (up to <see cref="MaxRetained"/> blocks) and drops the surplus to the GC. In front of the shared
/// queue each thread keeps a block or two of its own: a proxied response's block is usually rented and returned on the
/// same event thread, and the shared queue's head and tail bounced between the cores on every request.
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 32 * 1024;
    public const int MaxRetained = 1024;

    private const int PerThread = 2;

    [ThreadStatic]
    private static Block?[]? t_blocks;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _retained;

    private BlockMemoryPool()
    {
    }

    /// <summary>The one pool: the thread caches in front of its queue are static.</summary>
    public static BlockMemoryPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new Block(this, minBufferSize, pooled: false);
        }

        var local = t_blocks;
        if (local is not null)
        {
            for (var i = 0; i < local.Length; i++)
            {
                if (local[i] is { } cached)
                {
                    local[i] = null;
                    cached.Rented = true;
                    return cached;
                }
            }
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
        var local = t_blocks ??= new Block?[PerThread];
        for (var i = 0; i < local.Length; i++)
        {
            if (local[i] is null)
            {
                local[i] = block;
                return;
            }
        }

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
