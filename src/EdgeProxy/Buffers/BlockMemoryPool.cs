using System.Buffers;
using System.Collections.Concurrent;

namespace EdgeProxy.Buffers;

/// <summary>
/// Fixed-size pinned blocks for the gateway's buffers on both sides (upstream sockets, and the client connections'
/// pipes through <see cref="BlockPoolFactory"/>), recycled through a bounded queue. The shared ArrayPool runs dry with
/// a hundred busy connections and then allocates on every read; this pool keeps what a burst needed (up to
/// <see cref="MaxRetained"/> blocks) and lets it go gradually once the burst is over: every <see cref="TrimInterval"/>
/// it drops half the blocks that sat in the queue the whole time, for the next garbage collection to free (a gateway
/// at rest allocates next to nothing, so that may come late; forcing a full blocking one would pause live traffic).
/// In front of the shared queue each thread keeps a block or two of its own (the one pool only): a proxied response's
/// block is usually rented and returned on the same event thread, and the shared queue's head and tail bounced between
/// the cores on every request.
/// </summary>
internal sealed class BlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 32 * 1024;
    public const int MaxRetained = 1024;

    public static readonly TimeSpan TrimInterval = TimeSpan.FromSeconds(10);

    private const int PerThread = 2;

    [ThreadStatic]
    private static Block?[]? t_blocks;

    private readonly ConcurrentQueue<Block> _free = new();
    // The process-wide pool: thread caches in front of the queue, and a timer that trims it.
    private readonly bool _shared;
    private int _retained;

    // The fewest blocks the queue held since the last trim: that many were not needed in the whole interval.
    private int _leastRetained;
    private Timer? _trimmer;

    /// <summary>A pool of its own (tests): no thread caches and no trim timer; <see cref="Trim"/> runs when called.</summary>
    internal BlockMemoryPool(bool shared = false)
    {
        _shared = shared;
    }

    /// <summary>The one pool: the thread caches in front of its queue are static.</summary>
    public static BlockMemoryPool Instance { get; } = new(shared: true);

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks waiting in the shared queue (not those in threads' caches).</summary>
    internal int Retained => Volatile.Read(ref _retained);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            return new Block(this, minBufferSize, pooled: false);
        }

        var local = _shared ? t_blocks : null;
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
            var left = Interlocked.Decrement(ref _retained);
            if (left < _leastRetained)
            {
                // A racy minimum is fine: it only decides how much the next trim may drop.
                _leastRetained = left;
            }

            block.Rented = true;
            return block;
        }

        return new Block(this, BlockSize, pooled: true);
    }

    /// <summary>
    /// Drops half (rounded up) of the blocks that stayed in the queue since the last trim, so memory a burst needed
    /// goes back to the GC over a few intervals while a steady load keeps what it uses. Returns how many it dropped.
    /// </summary>
    internal int Trim()
    {
        var retained = Volatile.Read(ref _retained);
        var idle = Math.Min(_leastRetained, retained);
        var dropped = 0;
        for (var target = (idle + 1) / 2; dropped < target && _free.TryDequeue(out _); dropped++)
        {
            Interlocked.Decrement(ref _retained);
        }

        _leastRetained = Volatile.Read(ref _retained);
        return dropped;
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(Block block)
    {
        if (_shared)
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
        }

        if (Interlocked.Increment(ref _retained) <= MaxRetained)
        {
            _free.Enqueue(block);
            if (_shared && _trimmer is null)
            {
                StartTrimming();
            }
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private void StartTrimming()
    {
        var timer = new Timer(static pool => ((BlockMemoryPool)pool!).Trim(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (Interlocked.CompareExchange(ref _trimmer, timer, null) is null)
        {
            timer.Change(TrimInterval, TrimInterval);
        }
        else
        {
            timer.Dispose();
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
