using System.Collections.Concurrent;
using System.Text;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Caching;

/// <summary>
/// The shared, byte-bounded response store. Lookups are lock-free (a concurrent dictionary read plus setting the
/// entry's visited bit); inserts, evictions and purges take one lock. Eviction is SIEVE (Zhang et al., NSDI '24):
/// a FIFO queue with a visited bit and a hand that sweeps from the oldest entry, clearing bits and evicting the
/// first unvisited one. Chosen over LRU because a hit never moves a node (no lock, no write contention on the
/// hot path) and because a one-time scan cannot flush the working set: scanned entries arrive unvisited and are
/// the first the hand removes, while entries that were hit survive a full sweep. Chosen over S3-FIFO and
/// W-TinyLFU for the same hit-path property with one queue and no ghost or frequency sketch to size; the
/// bench (CacheEvictionBenchmarks) measures it against LRU on a Zipf workload with scans.
/// </summary>
internal sealed class ResponseCache
{
    private readonly ConcurrentDictionary<byte[], CacheEntry> _entries = new(ByteKeyComparer.Instance);
    private readonly ConcurrentDictionary<byte[], CacheFill>.AlternateLookup<ReadOnlySpan<byte>> _fillLookup;
    private readonly ConcurrentDictionary<byte[], CacheEntry>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly ConcurrentDictionary<byte[], CacheFill> _fills = new(ByteKeyComparer.Instance);
    private readonly Lock _sync = new();
    private CacheEntry? _newest;
    private CacheEntry? _oldest;
    private CacheEntry? _hand;
    private long _bytes;

    public ResponseCache(CacheSettings settings, CacheMetrics metrics)
    {
        Settings = settings;
        Metrics = metrics;
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
        _fillLookup = _fills.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public CacheSettings Settings { get; private set; }

    /// <summary>A reload changed <c>[cache]</c>: new bounds apply at once (evicting down to a smaller max_bytes).</summary>
    public void Reconfigure(CacheSettings settings)
    {
        lock (_sync)
        {
            Settings = settings;
            while (_bytes > settings.MaxBytes && _oldest is not null)
            {
                EvictOne();
            }
        }

        Metrics.Size(Bytes, Count);
    }

    public CacheMetrics Metrics { get; }

    public long MaxBytes => Settings.MaxBytes;

    public long Bytes => Volatile.Read(ref _bytes);

    public int Count => _entries.Count;

    /// <summary>The entry stored under <paramref name="key"/>, marked visited; null when absent.</summary>
    public CacheEntry? Find(ReadOnlySpan<byte> key)
    {
        if (!_lookup.TryGetValue(key, out var entry))
        {
            return null;
        }

        entry.Visited = true;
        return entry;
    }

    /// <summary>Stores <paramref name="entry"/>, replacing any entry under its key and evicting until it fits. False: larger than the entry bound.</summary>
    public bool Insert(CacheEntry entry)
    {
        var size = entry.Size;
        if (size > Settings.MaxEntryBytes + CacheEntry.Overhead + entry.Key.Length + entry.Head.Length || size > Settings.MaxBytes)
        {
            return false;
        }

        lock (_sync)
        {
            if (_entries.TryGetValue(entry.Key, out var old))
            {
                // A replacement keeps the old entry's standing: a hot key refreshed in the background stays hot.
                entry.Visited = old.Visited;
                Unlink(old);
            }

            while (_bytes + size > Settings.MaxBytes && _oldest is not null)
            {
                EvictOne();
            }

            entry.AccountedSize = size;
            _entries[entry.Key] = entry;
            LinkNewest(entry);
            _bytes += size;
        }

        Metrics.Size(Bytes, Count);
        return true;
    }

    /// <summary>Removes the entry if it is still the one stored under its key.</summary>
    public bool Remove(CacheEntry entry)
    {
        lock (_sync)
        {
            if (!entry.Linked)
            {
                return false;
            }

            Unlink(entry);
        }

        Metrics.Size(Bytes, Count);
        return true;
    }

    /// <summary>Registers the caller as the one fetching <paramref name="key"/>; false and the fill in flight when another request is.</summary>
    public bool TryBeginFill(ReadOnlySpan<byte> key, out CacheFill fill)
    {
        if (_fillLookup.TryGetValue(key, out var existing))
        {
            // A fetch registered long ago by a request that never completed it (a bug or a crash on that path) must not
            // keep this key uncacheable forever: past four coalesce timeouts it is dropped and this request takes over.
            if (Environment.TickCount64 - existing.StartedAt <= StaleFillMs)
            {
                fill = existing;
                return false;
            }

            existing.Abandon();
        }

        var created = new CacheFill(this, key.ToArray());
        if (_fills.TryAdd(created.Key, created))
        {
            fill = created;
            return true;
        }

        fill = _fills.TryGetValue(created.Key, out existing) ? existing : created;
        return ReferenceEquals(fill, created);
    }

    internal void EndFill(CacheFill fill) => _fills.TryRemove(new KeyValuePair<byte[], CacheFill>(fill.Key, fill));

    public int InFlightFills => _fills.Count;

    private long StaleFillMs => Math.Max(1000, (long)Settings.CoalesceTimeout.TotalMilliseconds * 4);

    /// <summary>Every entry (and Vary marker, and encoded copy) whose base key is <paramref name="baseKey"/>: the URL's variants go together.</summary>
    public int PurgeKey(ReadOnlySpan<byte> baseKey)
    {
        var key = baseKey.ToArray();
        return PurgeWhere(e => e.Key.AsSpan().StartsWith(key) && (e.Key.Length == key.Length || e.Key[key.Length] is 1 or 2));
    }

    /// <summary>Every entry whose key starts with <paramref name="prefix"/> (see <see cref="CachePurge.Url"/>).</summary>
    public int PurgePrefix(ReadOnlySpan<byte> prefix)
    {
        var bytes = prefix.ToArray();
        return PurgeWhere(e => e.Key.AsSpan().StartsWith(bytes));
    }

    /// <summary>Entries for <paramref name="host"/> (empty: any) whose path starts with <paramref name="pathPrefix"/>.</summary>
    public int PurgePathPrefix(string host, string pathPrefix)
    {
        var prefix = Encoding.UTF8.GetBytes(pathPrefix);
        var hostBytes = Encoding.ASCII.GetBytes(host.ToLowerInvariant());
        return PurgeWhere(e => e.Key.AsSpan(e.PathStart, e.PathLength).StartsWith(prefix) && (hostBytes.Length == 0 || HostOf(e).SequenceEqual(hostBytes)));
    }

    public int PurgeRoute(string routeId) => PurgeWhere(e => string.Equals(e.RouteId, routeId, StringComparison.Ordinal));

    public int PurgeTag(string tag)
    {
        var bytes = Encoding.UTF8.GetBytes(tag);
        return PurgeWhere(e =>
        {
            foreach (var t in e.Tags)
            {
                if (t.AsSpan().SequenceEqual(bytes))
                {
                    return true;
                }
            }

            return false;
        });
    }

    public int Clear() => PurgeWhere(static _ => true);

    // Admin operations: a scan under the lock is fine at their rate, and keeps the request path free of secondary indexes.
    private int PurgeWhere(Func<CacheEntry, bool> match)
    {
        var removed = 0;
        lock (_sync)
        {
            for (var e = _oldest; e is not null;)
            {
                var next = e.Newer;
                if (match(e))
                {
                    Unlink(e);
                    removed++;
                }

                e = next;
            }
        }

        Metrics.Size(Bytes, Count);
        return removed;
    }

    private static ReadOnlySpan<byte> HostOf(CacheEntry e)
    {
        // Key layout: GET \0 scheme \0 host \0 path ...
        var key = e.Key.AsSpan();
        var afterMethod = key.IndexOf((byte)0) + 1;
        var afterScheme = afterMethod + key[afterMethod..].IndexOf((byte)0) + 1;
        return key[afterScheme..(e.PathStart - 1)];
    }

    private void EvictOne()
    {
        // SIEVE: sweep from the hand (or the oldest) towards newer entries, giving visited ones another round.
        // Readers set visited bits without the lock, so bound the sweep: after two full rounds, take what the hand holds.
        var hand = _hand ?? _oldest!;
        for (var budget = 2L * _entries.Count + 2; hand.Visited && budget > 0; budget--)
        {
            hand.Visited = false;
            hand = hand.Newer ?? _oldest!;
        }

        _hand = hand.Newer;
        Unlink(hand);
        Metrics.Evicted();
    }

    private void LinkNewest(CacheEntry entry)
    {
        entry.Older = _newest;
        entry.Newer = null;
        if (_newest is not null)
        {
            _newest.Newer = entry;
        }

        _newest = entry;
        _oldest ??= entry;
        entry.Linked = true;
    }

    private void Unlink(CacheEntry entry)
    {
        if (!entry.Linked)
        {
            return;
        }

        if (ReferenceEquals(_hand, entry))
        {
            _hand = entry.Newer;
        }

        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else
        {
            _oldest = entry.Newer;
        }

        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else
        {
            _newest = entry.Older;
        }

        entry.Older = entry.Newer = null;
        entry.Linked = false;
        _entries.TryRemove(new KeyValuePair<byte[], CacheEntry>(entry.Key, entry));
        _bytes -= entry.AccountedSize;
    }
}
