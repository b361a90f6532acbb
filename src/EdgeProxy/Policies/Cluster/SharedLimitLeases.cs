using System.Collections.Concurrent;
using EdgeProxy.Policies.RateLimiting;

namespace EdgeProxy.Policies.Cluster;

/// <summary>
/// This instance's leases of the rate-limit buckets shared through Redis. A lease is a local count of tokens
/// taken in one batch from the shared bucket; requests spend it with one compare-and-swap and never wait on Redis.
/// When a lease falls to half it is queued for a top-up, which <see cref="ClusterSync"/> fetches in the background.
/// </summary>
/// <remarks>
/// <para>Every token a request spends here was first taken from the shared bucket. Requests are taken from the local
/// bucket at the declared rate instead (the fallback, where overshoot can come from; see <see cref="ClusterSync"/>)
/// when Redis is unreachable, before a partition's first lease arrives, and when a lease ran dry while its top-up is
/// in flight although the shared bucket granted the previous top-up in full (the instance outran its top-ups, not
/// the limit).</para>
/// <para>Bounded: at most <see cref="MaxLeases"/> partitions hold a lease; beyond that new partitions stay local.</para>
/// </remarks>
internal sealed class SharedLimitLeases
{
    public const int MaxLeases = 100_000;

    private readonly ConcurrentDictionary<BucketKey, Lease> _leases = new(BucketKeyComparer.Instance);
    private readonly ConcurrentDictionary<BucketKey, Lease>.AlternateLookup<BucketKeyView> _lookup;
    private readonly ConcurrentQueue<Lease> _refills = new();
    private readonly SemaphoreSlim _refillSignal = new(0);
    private volatile bool _online;

    public SharedLimitLeases() => _lookup = _leases.GetAlternateLookup<BucketKeyView>();

    /// <summary>True while the sync loop reaches Redis; false sends every take to the local buckets.</summary>
    public bool Online
    {
        get => _online;
        set => _online = value;
    }

    /// <summary>Tokens asked for per top-up (<c>[cluster] lease</c>).</summary>
    public int LeaseSize { get; set; } = 20;

    public int Count => _leases.Count;

    /// <summary>Requests admitted from local buckets while online (no lease yet, or a lease outran by its instance): the overshoot's source.</summary>
    public long LocalAdmissions => Interlocked.Read(ref _localAdmissions);

    private long _localAdmissions;

    internal SemaphoreSlim RefillSignal => _refillSignal;

    /// <summary>
    /// Spends from the partition's lease. False means "not decided here": Redis is offline or the partition has no
    /// lease yet, and the caller takes from its local bucket.
    /// </summary>
    public bool TryTake(RateLimit limit, ReadOnlySpan<byte> partition, long now, long count, out TakeResult result)
    {
        result = default;
        if (!_online)
        {
            return false;
        }

        if (!_lookup.TryGetValue(new BucketKeyView(limit.Slot, partition), out var lease))
        {
            if (_leases.Count < MaxLeases)
            {
                lease = new Lease(limit, partition.ToArray());
                if (_leases.TryAdd(new BucketKey(limit.Slot, partition), lease))
                {
                    RequestRefill(lease, now);
                }
            }

            Interlocked.Increment(ref _localAdmissions);
            return false;
        }

        lease.LastUsed = now;
        var rate = limit.Rate;
        while (true)
        {
            var tokens = Volatile.Read(ref lease.Tokens);
            if (tokens < count)
            {
                if (now >= Volatile.Read(ref lease.NextRefill))
                {
                    RequestRefill(lease, now);
                }

                // The shared bucket granted the whole last top-up, so it was not the limit that ran out but this
                // instance that outran its top-ups: the local bucket decides until the next lease arrives.
                if (Volatile.Read(ref lease.LastGrantFull) == 1)
                {
                    Interlocked.Increment(ref _localAdmissions);
                    return false;
                }

                result = new TakeResult(false, rate, tokens * rate.TokenCost, count * rate.TokenCost);
                return true;
            }

            if (Interlocked.CompareExchange(ref lease.Tokens, tokens - count, tokens) == tokens)
            {
                if ((tokens - count) * 2 < LeaseSize)
                {
                    RequestRefill(lease, now);
                }

                result = new TakeResult(true, rate, (tokens - count) * rate.TokenCost, count * rate.TokenCost);
                return true;
            }
        }
    }

    /// <summary>Gives back tokens of a request refused by a later limit; false when the partition has no lease.</summary>
    public bool TryRefund(RateLimit limit, ReadOnlySpan<byte> partition, long count)
    {
        if (!_online || !_lookup.TryGetValue(new BucketKeyView(limit.Slot, partition), out var lease))
        {
            return false;
        }

        Interlocked.Add(ref lease.Tokens, count);
        return true;
    }

    /// <summary>Leases waiting for a top-up, drained by the sync loop.</summary>
    internal bool TryDequeueRefill(out Lease lease) => _refills.TryDequeue(out lease!);

    /// <summary>Forgets leases unused since <paramref name="before"/> (their unspent tokens stay with the shared bucket's past).</summary>
    internal int Sweep(long before)
    {
        var removed = 0;
        foreach (var (key, lease) in _leases)
        {
            if (Volatile.Read(ref lease.LastUsed) < before && _leases.TryRemove(KeyValuePair.Create(key, lease)))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Drops every lease (Redis was lost: what they held is unknown to the shared bucket's future).</summary>
    internal void Clear() => _leases.Clear();

    private void RequestRefill(Lease lease, long now)
    {
        if (Interlocked.Exchange(ref lease.RefillQueued, 1) == 0)
        {
            lease.LastUsed = now;
            _refills.Enqueue(lease);
            _refillSignal.Release();
        }
    }

    internal sealed class Lease(RateLimit limit, byte[] partition)
    {
        public long Tokens;
        public int RefillQueued;
        // Until the shared bucket says it is short, an empty lease means a top-up is on its way, not that the limit
        // is reached: decide locally rather than refuse (Redis may be slow or just lost).
        public int LastGrantFull = 1;
        public long NextRefill;
        public long LastUsed;

        /// <summary>The declaration at the time of the last top-up (a reload may bring a new version with the same identity).</summary>
        public RateLimit Limit { get; set; } = limit;

        public byte[] Partition { get; } = partition;
    }
}
