using System.Collections.Concurrent;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// Every token bucket of the process, keyed by (limit version, partition bytes). Long-lived runtime state
/// (STYLE pattern 1): it outlives snapshots, so a reload that keeps a limit keeps its buckets (pattern 6), and a
/// reload that edits a limit converts each bucket on first use, keeping the tokens its caller had used.
/// </summary>
/// <remarks>
/// <para>Looking up an existing bucket allocates nothing (an alternate lookup by span); creating one allocates the
/// bucket and its dictionary node (partitions up to 16 bytes are stored inline in the key).</para>
/// <para>The table is bounded by <see cref="Capacity"/>. When full, it first evicts buckets that are full again
/// (forgetting them loses nothing), then, if that freed too little, approximately the buckets closest to full,
/// down to half the capacity: they have used the least, so forgetting them forgives the least. A flood of
/// distinct addresses therefore costs evictions, never memory. <see cref="Sweep"/> evicts full buckets on demand;
/// call it from a periodic heartbeat so idle buckets do not wait for the table to fill.</para>
/// </remarks>
internal sealed class RateLimiterTable
{
    private const int MaxPredecessors = 4;

    private readonly ConcurrentDictionary<BucketKey, TokenBucket> _buckets;
    private readonly ConcurrentDictionary<BucketKey, TokenBucket>.AlternateLookup<BucketKeyView> _lookup;
    private readonly Dictionary<string, RateLimit> _limits = new(StringComparer.Ordinal);
    private readonly Lock _defineLock = new();
    private readonly Lock _evictLock = new();
    private readonly Lock _convertLock = new();
    private readonly long[] _ages = new long[1024];
    private int _count;
    private int _capacity;
    private int _nextSlot;
    private long _idleEvictions;
    private long _pressureEvictions;

    public RateLimiterTable(int capacity, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        Time = time ?? TimeProvider.System;
        Frequency = Time.TimestampFrequency;
        _buckets = new ConcurrentDictionary<BucketKey, TokenBucket>(BucketKeyComparer.Instance);
        _lookup = _buckets.GetAlternateLookup<BucketKeyView>();
    }

    /// <summary>The clock whose timestamps callers pass as <c>now</c>.</summary>
    public TimeProvider Time { get; }

    public long Frequency { get; }

    /// <summary>Most buckets held at once; <c>[rate_limiting] max_buckets</c>, may change on reload.</summary>
    public int Capacity
    {
        get => Volatile.Read(ref _capacity);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref _capacity, value);
        }
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Buckets forgotten because they were full again (no effect on any caller).</summary>
    public long IdleEvictions => Volatile.Read(ref _idleEvictions);

    /// <summary>Buckets forgotten while still partly used, because the table was at capacity.</summary>
    public long PressureEvictions => Volatile.Read(ref _pressureEvictions);

    /// <summary>
    /// The limit to use for <paramref name="identity"/> in a new snapshot: the previous instance when the
    /// declaration is unchanged; a new instance sharing the buckets when only the mode or name changed; a new
    /// version whose buckets start from the old ones' used tokens when the rate or burst changed.
    /// </summary>
    public RateLimit Define(string identity, RateLimitConfig config)
    {
        lock (_defineLock)
        {
            var rate = TokenBucketRate.Create(config.Tokens, config.Period, config.Burst, Frequency);
            if (_limits.TryGetValue(identity, out var current))
            {
                if (current.Config.Equals(config))
                {
                    return current;
                }

                if (current.Rate.Equals(rate))
                {
                    return _limits[identity] = new RateLimit(this, identity, config, current.Rate, current.Slot, current.Counters, current.Predecessor);
                }

                TrimPredecessors(current);
                return _limits[identity] = new RateLimit(this, identity, config, rate, ++_nextSlot, current.Counters, current);
            }

            return _limits[identity] = new RateLimit(this, identity, config, rate, ++_nextSlot, new RateLimitCounters(), null);
        }
    }

    /// <summary>Forgets declarations not in <paramref name="identities"/> (removed from the config); their buckets age out.</summary>
    public void Retain(IReadOnlySet<string> identities)
    {
        lock (_defineLock)
        {
            foreach (var identity in _limits.Keys.ToArray())
            {
                if (!identities.Contains(identity))
                {
                    _limits.Remove(identity);
                }
            }
        }
    }

    public TakeResult Take(RateLimit limit, ReadOnlySpan<byte> partition, long now, long count = 1)
    {
        var view = new BucketKeyView(limit.Slot, partition);
        while (true)
        {
            if (_lookup.TryGetValue(view, out var key, out var bucket))
            {
                var result = bucket.Take(now, count, out var evicted);
                if (!evicted)
                {
                    return result;
                }

                // Evicted between lookup and take: whoever removes the entry first counts it, then look again.
                if (!Remove(key, bucket))
                {
                    Thread.Yield();
                }
            }
            else if (TryInsert(limit, partition, now, count, out var inserted))
            {
                return inserted;
            }
        }
    }

    public void Refund(RateLimit limit, ReadOnlySpan<byte> partition, long count = 1)
    {
        if (_lookup.TryGetValue(new BucketKeyView(limit.Slot, partition), out var bucket))
        {
            bucket.Refund(count);
        }
    }

    /// <summary>Whole tokens the bucket of <paramref name="partition"/> holds (a full bucket when there is none yet).</summary>
    public long Available(RateLimit limit, ReadOnlySpan<byte> partition, long now) =>
        _lookup.TryGetValue(new BucketKeyView(limit.Slot, partition), out var bucket) ? bucket.Available(now) : limit.Rate.Burst;

    /// <summary>Evicts every bucket that is full at <paramref name="now"/>; returns how many.</summary>
    public int Sweep(long now)
    {
        lock (_evictLock)
        {
            return SweepFull(now);
        }
    }

    /// <summary>
    /// Creates the bucket and takes from it before publishing it, so a new bucket never sits in the table full
    /// (which would make it the first to go under pressure). False when another thread published one first.
    /// </summary>
    private bool TryInsert(RateLimit limit, ReadOnlySpan<byte> partition, long now, long count, out TakeResult result)
    {
        Reserve(now);
        var view = new BucketKeyView(limit.Slot, partition);
        if (limit.Predecessor is null)
        {
            var bucket = new TokenBucket(limit.Rate, now);
            result = bucket.Take(now, count);
            if (_lookup.TryAdd(view, bucket))
            {
                return true;
            }
        }
        else
        {
            // Serialized so that two first requests after a reload cannot both convert (and one lose) the old bucket.
            lock (_convertLock)
            {
                if (!_lookup.TryGetValue(view, out _))
                {
                    var bucket = Convert(limit, partition, now);
                    result = bucket.Take(now, count);
                    if (_lookup.TryAdd(view, bucket))
                    {
                        return true;
                    }
                }
            }
        }

        Interlocked.Decrement(ref _count);
        result = default;
        return false;
    }

    private TokenBucket Convert(RateLimit limit, ReadOnlySpan<byte> partition, long now)
    {
        for (var old = limit.Predecessor; old is not null; old = old.Predecessor)
        {
            if (_lookup.TryGetValue(new BucketKeyView(old.Slot, partition), out var key, out var oldBucket))
            {
                var held = oldBucket.Evict(now);
                Remove(key, oldBucket);
                if (held >= 0)
                {
                    var used = old.Rate.Burst - held;
                    return new TokenBucket(limit.Rate, now, limit.Rate.Burst - used);
                }
            }
        }

        return new TokenBucket(limit.Rate, now);
    }

    private void Reserve(long now)
    {
        while (true)
        {
            var count = Volatile.Read(ref _count);
            if (count < Capacity)
            {
                if (Interlocked.CompareExchange(ref _count, count + 1, count) == count)
                {
                    return;
                }

                continue;
            }

            MakeRoom(now);
        }
    }

    private void MakeRoom(long now)
    {
        lock (_evictLock)
        {
            var capacity = Capacity;
            if (Count < capacity)
            {
                return;
            }

            SweepFull(now);
            var lowWater = capacity - Math.Max(1, capacity / 2);
            if (Count > lowWater)
            {
                EvictClosestToFull(now, Count - lowWater);
            }
        }
    }

    private int SweepFull(long now)
    {
        var evicted = 0;
        foreach (var (key, bucket) in _buckets)
        {
            if ((bucket.TryEvictIfFull(now) || bucket.IsEvicted) && Remove(key, bucket))
            {
                evicted++;
            }
        }

        Interlocked.Add(ref _idleEvictions, evicted);
        return evicted;
    }

    /// <summary>
    /// Evicts about <paramref name="target"/> buckets that would be full soonest: under a flood, the oldest. The
    /// cut-off comes from the first buckets the table enumerates, a random sample (the order is the keys'
    /// per-process randomized hashes, unrelated to age); one pass then evicts up to it. A second pass with no
    /// cut-off only runs if concurrent takes moved the sampled buckets.
    /// </summary>
    private void EvictClosestToFull(long now, int target)
    {
        var n = 0;
        foreach (var entry in _buckets)
        {
            _ages[n++] = entry.Value.TicksUntilFull(now);
            if (n == _ages.Length)
            {
                break;
            }
        }

        var evicted = 0;
        if (n > 0)
        {
            Array.Sort(_ages, 0, n);
            var cutOff = _ages[Math.Clamp((int)((long)n * target / Math.Max(1, Count)), 1, n) - 1];
            evicted = EvictUpTo(now, target, cutOff);
        }

        if (evicted < target)
        {
            evicted += EvictUpTo(now, target - evicted, long.MaxValue);
        }

        Interlocked.Add(ref _pressureEvictions, evicted);
    }

    private int EvictUpTo(long now, int target, long cutOff)
    {
        var evicted = 0;
        foreach (var (key, bucket) in _buckets)
        {
            if (evicted >= target)
            {
                break;
            }

            if (bucket.TicksUntilFull(now) <= cutOff && bucket.Evict(now) >= 0 && Remove(key, bucket))
            {
                evicted++;
            }
        }

        return evicted;
    }

    private bool Remove(BucketKey key, TokenBucket bucket)
    {
        if (_buckets.TryRemove(KeyValuePair.Create(key, bucket)))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    private static void TrimPredecessors(RateLimit limit)
    {
        var depth = 1;
        for (var old = limit; old is not null; old = old.Predecessor)
        {
            if (++depth >= MaxPredecessors)
            {
                old.Predecessor = null;
                return;
            }
        }
    }
}
