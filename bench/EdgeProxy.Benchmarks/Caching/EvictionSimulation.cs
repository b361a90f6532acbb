using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Benchmarks.Caching;

/// <summary>
/// A deterministic hit-ratio simulation: a Zipf-distributed request stream over a key space, interrupted by scans of
/// one-time keys (a crawler, a cache-busting client), replayed against the gateway's real <see cref="ResponseCache"/>
/// (SIEVE) and against a plain LRU of the same capacity. Same seed, same stream, same entry size: only the eviction
/// policy differs. Shared with the tests, which assert the ordering the numbers show.
/// </summary>
public static class EvictionSimulation
{
    public sealed record Workload(string Name, int Keys, double Alpha, int Requests, int ScanEvery, int ScanLength, int Seed = 42);

    public sealed record Result(string Workload, int CapacityEntries, double SieveHitRatio, double LruHitRatio);

    public static readonly Workload[] Standard =
    [
        new("zipf 0.9", Keys: 100_000, Alpha: 0.9, Requests: 1_000_000, ScanEvery: 0, ScanLength: 0),
        new("zipf 0.9 + scans", Keys: 100_000, Alpha: 0.9, Requests: 1_000_000, ScanEvery: 50_000, ScanLength: 20_000),
        new("zipf 1.1 + scans", Keys: 100_000, Alpha: 1.1, Requests: 1_000_000, ScanEvery: 50_000, ScanLength: 20_000),
    ];

    /// <summary>Runs the stream at a cache size of <paramref name="capacityFraction"/> of the key space.</summary>
    public static Result Run(Workload workload, double capacityFraction)
    {
        var capacity = (int)(workload.Keys * capacityFraction);
        var stream = Stream(workload);
        var entrySize = Entry(0).Size;
        var sieve = new ResponseCache(new CacheSettings { MaxBytes = capacity * entrySize, MaxEntryBytes = 64 * 1024 }, new CacheMetrics(export: false));
        var lru = new Lru(capacity);
        long sieveHits = 0, lruHits = 0, counted = 0;
        Span<byte> key = stackalloc byte[32];
        foreach (var (id, isScan) in stream)
        {
            var length = Key(id, key);
            var hitSieve = sieve.Find(key[..length]) is not null;
            if (!hitSieve)
            {
                sieve.Insert(Entry(id));
            }

            var hitLru = lru.Access(id);
            if (!isScan)
            {
                // Hit ratio of the real traffic; the scans' own (certain) misses would only dilute both numbers alike.
                counted++;
                sieveHits += hitSieve ? 1 : 0;
                lruHits += hitLru ? 1 : 0;
            }
        }

        return new Result(workload.Name, capacity, (double)sieveHits / counted, (double)lruHits / counted);
    }

    private static List<(long Id, bool IsScan)> Stream(Workload w)
    {
        var random = new Random(w.Seed);
        var cdf = new double[w.Keys];
        double sum = 0;
        for (var i = 0; i < w.Keys; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, w.Alpha);
            cdf[i] = sum;
        }

        var stream = new List<(long, bool)>(w.Requests + (w.ScanEvery > 0 ? w.Requests / w.ScanEvery * w.ScanLength : 0));
        long nextScanId = 1L << 40;
        for (var r = 0; r < w.Requests; r++)
        {
            var position = Array.BinarySearch(cdf, random.NextDouble() * sum);
            stream.Add((position < 0 ? ~position : position, false));
            if (w.ScanEvery > 0 && (r + 1) % w.ScanEvery == 0)
            {
                for (var s = 0; s < w.ScanLength; s++)
                {
                    stream.Add((nextScanId++, true));
                }
            }
        }

        return stream;
    }

    private static int Key(long id, Span<byte> destination)
    {
        "GET\0http\0h\0/"u8.CopyTo(destination);
        System.Buffers.Text.Utf8Formatter.TryFormat(id, destination[12..], out var written);
        return 12 + written;
    }

    private static CacheEntry Entry(long id)
    {
        Span<byte> key = stackalloc byte[32];
        var length = Key(id, key);
        return new CacheEntry { Key = key[..length].ToArray(), PathStart = 11, PathLength = length - 11, RouteId = "r", BodyLength = 0 };
    }

    /// <summary>Textbook LRU: a dictionary onto a doubly linked list, most recent first.</summary>
    private sealed class Lru(int capacity)
    {
        private readonly Dictionary<long, LinkedListNode<long>> _map = new(capacity);
        private readonly LinkedList<long> _order = new();

        public bool Access(long id)
        {
            if (_map.TryGetValue(id, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return true;
            }

            if (_map.Count >= capacity)
            {
                _map.Remove(_order.Last!.Value);
                _order.RemoveLast();
            }

            _map[id] = _order.AddFirst(id);
            return false;
        }
    }

    /// <summary>The table the bench prints (<c>--eviction</c>).</summary>
    public static string Report(double[] fractions)
    {
        var text = new StringBuilder("| workload | cache size | SIEVE (ResponseCache) hit ratio | LRU hit ratio |\n|---|---|---|---|\n");
        foreach (var workload in Standard)
        {
            foreach (var fraction in fractions)
            {
                var r = Run(workload, fraction);
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {r.Workload} | {fraction:P0} ({r.CapacityEntries} entries) | {r.SieveHitRatio:P2} | {r.LruHitRatio:P2} |\n");
            }
        }

        return text.ToString();
    }
}
