using System.Buffers;
using System.Collections.Concurrent;

namespace EdgeProxy.Buffers;

/// <summary>
/// Pinned blocks for the gateway's buffers on both sides (upstream sockets, and the client connections' pipes through
/// <see cref="BlockPoolFactory"/>) in two sizes: 4 KiB for what asks for little (a request head, a small response), so
/// a connection waiting on its upstream holds no more than it did with Kestrel's own pool, and 32 KiB for what asks
/// for more (a socket receive, a body), so a 16 KiB response and its head go out as one buffer. Each size is recycled
/// through a bounded queue: the shared ArrayPool runs dry with a hundred busy connections and then allocates on every
/// read; this pool keeps what the busiest minute needed and drops the surplus to the GC. In front of each queue every
/// thread keeps a block or two of its own: a proxied response's blocks are usually rented and returned on the same
/// event thread, and a shared queue's head and tail bounced between the cores on every request.
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 32 * 1024;
    public const int SmallBlockSize = 4 * 1024;
    public const int MaxRetained = 1024;

    private const int PerThread = 2;

    [ThreadStatic]
    private static Block?[]? t_small;

    [ThreadStatic]
    private static Block?[]? t_large;

    private readonly SizeClass _small = new(SmallBlockSize, large: false);
    private readonly SizeClass _large = new(BlockSize, large: true);

    private BlockMemoryPool()
    {
    }

    /// <summary>The one pool: the thread caches in front of its queues are static.</summary>
    public static BlockMemoryPool Instance { get; } = new();

    public override int MaxBufferSize => BlockSize;

    /// <summary>A block of at least <paramref name="minBufferSize"/> bytes; the default (-1) is a large block.</summary>
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new Block(null, minBufferSize);
        }

        return (uint)minBufferSize <= SmallBlockSize ? _small.Rent() : _large.Rent();
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class SizeClass(int size, bool large)
    {
        private readonly ConcurrentQueue<Block> _free = new();
        private int _retained;

        private ref Block?[]? Cache => ref large ? ref t_large : ref t_small;

        public Block Rent()
        {
            var local = Cache;
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

            return new Block(this, size);
        }

        public void Return(Block block)
        {
            var local = Cache ??= new Block?[PerThread];
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
    }

    /// <summary>A pooled block, or (with no size class) a one-off for a request larger than a block.</summary>
    private sealed class Block(SizeClass? owner, int size) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(size, pinned: true);

        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            if (Rented && owner is not null)
            {
                Rented = false;
                owner.Return(this);
            }
        }
    }
}
