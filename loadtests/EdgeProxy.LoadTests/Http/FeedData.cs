using System.Text;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Http;

/// <summary>A feed's values pre-encoded as UTF-8, and the shared cursor that round-robin picks advance.</summary>
internal sealed class FeedData
{
    private long _cursor = -1;

    public FeedData(FeedConfig config)
    {
        Name = config.Name;
        Order = config.Order;
        Values = [.. config.Rows.Select(row => row.Select(Encoding.UTF8.GetBytes).ToArray())];
    }

    public string Name { get; }

    public FeedOrder Order { get; }

    /// <summary>[row][column] → bytes.</summary>
    public byte[][][] Values { get; }

    /// <summary>The row for the next iteration: the shared cursor for round-robin, <paramref name="random"/> otherwise.</summary>
    public int NextRow(Random random) => Order == FeedOrder.RoundRobin
        ? (int)((ulong)Interlocked.Increment(ref _cursor) % (ulong)Values.Length)
        : random.Next(Values.Length);
}

/// <summary>What one iteration's templates are rendered with: the virtual user, the iteration number and one row per feed.</summary>
internal sealed class IterationContext
{
    public IterationContext(int virtualUser, FeedData[] feeds, int seed)
    {
        VirtualUser = virtualUser;
        Feeds = feeds;
        Rows = new int[feeds.Length];
        Random = new Random(HashCode.Combine(seed, virtualUser));
    }

    public int VirtualUser { get; }

    public long Iteration { get; private set; }

    public FeedData[] Feeds { get; }

    public int[] Rows { get; }

    public Random Random { get; }

    public void Next(long iteration)
    {
        Iteration = iteration;
        for (var i = 0; i < Feeds.Length; i++)
        {
            Rows[i] = Feeds[i].NextRow(Random);
        }
    }
}
