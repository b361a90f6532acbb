using System.Buffers;
using EdgeProxy.Buffers;

namespace EdgeProxy.Tests.Buffers;

/// <summary>The block pool's per-thread cache in front of its shared queue.</summary>
public sealed class BlockMemoryPoolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_block_returned_on_a_thread_is_that_threads_next_block_even_with_others_queued()
    {
        var pool = BlockMemoryPool.Instance;

        // Another thread returns more blocks than its own cache keeps, so the shared queue is not empty.
        RunOnNewThread(() =>
        {
            var blocks = new[] { pool.Rent(), pool.Rent(), pool.Rent(), pool.Rent() };
            foreach (var block in blocks)
            {
                block.Dispose();
            }
        });

        IMemoryOwner<byte>? returned = null;
        IMemoryOwner<byte>? next = null;
        RunOnNewThread(() =>
        {
            returned = pool.Rent();
            returned.Dispose();
            next = pool.Rent();
            next.Dispose();
        });

        // From the shared queue (first in, first out) this would be one of the other thread's blocks.
        Assert.Same(returned, next);
    }

    [Fact]
    public void A_block_in_one_threads_cache_is_not_handed_to_another_thread()
    {
        var pool = BlockMemoryPool.Instance;
        IMemoryOwner<byte>? cached = null;
        RunOnNewThread(() =>
        {
            cached = pool.Rent();
            cached.Dispose();
        });

        var others = new List<IMemoryOwner<byte>>();
        RunOnNewThread(() =>
        {
            for (var i = 0; i < 64; i++)
            {
                others.Add(pool.Rent());
            }
        });

        Assert.DoesNotContain(cached, others);
        foreach (var block in others)
        {
            block.Dispose();
        }
    }

    [Theory]
    [InlineData(1, BlockMemoryPool.SmallBlockSize)]
    [InlineData(BlockMemoryPool.SmallBlockSize, BlockMemoryPool.SmallBlockSize)]
    [InlineData(BlockMemoryPool.SmallBlockSize + 1, BlockMemoryPool.BlockSize)]
    [InlineData(-1, BlockMemoryPool.BlockSize)]
    [InlineData(BlockMemoryPool.BlockSize, BlockMemoryPool.BlockSize)]
    [InlineData(BlockMemoryPool.BlockSize + 1, BlockMemoryPool.BlockSize + 1)]
    public void A_rent_gets_the_smallest_block_that_holds_it(int asked, int expected)
    {
        using var block = BlockMemoryPool.Instance.Rent(asked);
        Assert.Equal(expected, block.Memory.Length);
    }

    [Fact]
    public void A_returned_small_block_is_never_handed_out_for_a_large_rent()
    {
        var pool = BlockMemoryPool.Instance;
        RunOnNewThread(() =>
        {
            var small = new List<IMemoryOwner<byte>>();
            for (var i = 0; i < 8; i++)
            {
                small.Add(pool.Rent(100));
            }

            foreach (var block in small)
            {
                block.Dispose();
            }

            for (var i = 0; i < 8; i++)
            {
                using var large = pool.Rent(BlockMemoryPool.SmallBlockSize + 1);
                Assert.Equal(BlockMemoryPool.BlockSize, large.Memory.Length);
            }
        });
    }

    private static void RunOnNewThread(Action action)
    {
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(Bound), "the thread did not finish");
        Assert.Null(error);
    }
}
