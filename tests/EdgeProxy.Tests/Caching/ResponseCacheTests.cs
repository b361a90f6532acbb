using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Caching;

/// <summary>The store on its own: byte bound, SIEVE eviction, replacement and the four purges.</summary>
public sealed class ResponseCacheTests
{
    private static ResponseCache NewCache(long maxBytes, long maxEntry = 1 << 20) =>
        new(new CacheSettings { MaxBytes = maxBytes, MaxEntryBytes = Math.Min(maxEntry, maxBytes) }, new CacheMetrics(export: false));

    private static CacheEntry Entry(string path, int bodyBytes = 100, string route = "r", string host = "example.com", params string[] tags)
    {
        var key = Encoding.ASCII.GetBytes($"GET\0http\0{host}\0{path}\0\0");
        var pathStart = 4 + 5 + host.Length + 1;
        return new CacheEntry
        {
            Key = key,
            PathStart = pathStart,
            PathLength = path.Length,
            RouteId = route,
            Head = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\n"),
            Body = new byte[bodyBytes],
            BodyLength = bodyBytes,
            Status = 200,
            Tags = Array.ConvertAll(tags, Encoding.ASCII.GetBytes),
        };
    }

    private static byte[] KeyOf(string path, string host = "example.com") => Encoding.ASCII.GetBytes($"GET\0http\0{host}\0{path}\0\0");

    [Fact]
    public void Insert_then_find_by_span_key_and_count_bytes()
    {
        var cache = NewCache(1 << 20);
        var entry = Entry("/a");
        Assert.True(cache.Insert(entry));

        Assert.Same(entry, cache.Find(KeyOf("/a")));
        Assert.Null(cache.Find(KeyOf("/b")));
        Assert.Equal(entry.Size, cache.Bytes);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Replacing_a_key_keeps_one_entry_and_its_bytes()
    {
        var cache = NewCache(1 << 20);
        cache.Insert(Entry("/a", 100));
        var second = Entry("/a", 300);
        cache.Insert(second);

        Assert.Equal(1, cache.Count);
        Assert.Equal(second.Size, cache.Bytes);
        Assert.Same(second, cache.Find(KeyOf("/a")));
    }

    [Fact]
    public void Byte_bound_is_never_exceeded_and_evictions_are_counted()
    {
        var cache = NewCache(64 * 1024, 8 * 1024);
        for (var i = 0; i < 200; i++)
        {
            Assert.True(cache.Insert(Entry("/e" + i, 1000)));
            Assert.True(cache.Bytes <= cache.MaxBytes, $"{cache.Bytes} > {cache.MaxBytes} after {i}");
        }

        var perEntry = Entry("/x", 1000).Size;
        Assert.Equal(64 * 1024 / perEntry, cache.Count);
        Assert.Equal(200 - cache.Count, cache.Metrics.EvictionCount);
        Assert.NotNull(cache.Find(KeyOf("/e199")));
        Assert.Null(cache.Find(KeyOf("/e0")));
    }

    [Fact]
    public void An_entry_above_the_entry_bound_is_refused()
    {
        var cache = NewCache(1 << 20, 4096);
        Assert.False(cache.Insert(Entry("/big", 5000)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Visited_entries_survive_a_scan_that_evicts_everything_else()
    {
        var cache = NewCache(64 * 1024, 8 * 1024);
        var capacity = (int)(64 * 1024 / Entry("/x", 1000).Size);
        for (var i = 0; i < capacity; i++)
        {
            cache.Insert(Entry("/hot" + i, 1000));
        }

        // A quarter of the working set is hot.
        for (var i = 0; i < capacity / 4; i++)
        {
            Assert.NotNull(cache.Find(KeyOf("/hot" + i)));
        }

        // A scan of one-time entries, three times the cache's size, while the hot quarter keeps being read.
        var hot = capacity / 4;
        for (var i = 0; i < capacity * 3; i++)
        {
            cache.Insert(Entry("/scan" + i, 1000));
            cache.Find(KeyOf("/hot" + (i % hot)));
        }

        for (var i = 0; i < capacity / 4; i++)
        {
            Assert.True(cache.Find(KeyOf("/hot" + i)) is not null, $"hot entry {i} was evicted by the scan");
        }

        Assert.Null(cache.Find(KeyOf("/hot" + (capacity - 1))));
    }

    [Fact]
    public void Purge_by_key_path_prefix_route_and_tag()
    {
        var cache = NewCache(1 << 20);
        cache.Insert(Entry("/api/users/1", route: "users", tags: ["user-1", "users"]));
        cache.Insert(Entry("/api/users/2", route: "users", tags: ["user-2", "users"]));
        cache.Insert(Entry("/api/orders/1", route: "orders", tags: ["order-1"]));
        cache.Insert(Entry("/static/app.js", route: "static"));
        cache.Insert(Entry("/static/app.js", route: "static", host: "other.com"));

        Assert.Equal(1, cache.PurgeTag("user-1"));
        Assert.Null(cache.Find(KeyOf("/api/users/1")));
        Assert.Equal(1, cache.PurgeTag("users"));
        Assert.Equal(1, cache.PurgeRoute("orders"));
        Assert.Equal(1, cache.PurgePathPrefix("other.com", "/static"));
        Assert.NotNull(cache.Find(KeyOf("/static/app.js")));
        Assert.Equal(1, cache.PurgeKey(KeyOf("/static/app.js")));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Purge_by_key_takes_the_variants_along()
    {
        var cache = NewCache(1 << 20);
        var baseKey = KeyOf("/v");
        cache.Insert(new CacheEntry { Key = baseKey, RouteId = "r", VaryNames = [Encoding.ASCII.GetBytes("accept")] });
        cache.Insert(new CacheEntry { Key = [.. baseKey, 1, .. "accept=a"u8], RouteId = "r" });
        cache.Insert(new CacheEntry { Key = [.. baseKey, 1, .. "accept=b"u8], RouteId = "r" });
        cache.Insert(Entry("/vv"));

        Assert.Equal(3, cache.PurgeKey(baseKey));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Concurrent_readers_and_writers_keep_the_accounting_exact()
    {
        var cache = NewCache(256 * 1024, 8 * 1024);
        var tasks = new Task[4];
        for (var t = 0; t < tasks.Length; t++)
        {
            var seed = t;
            tasks[t] = Task.Run(() =>
            {
                var random = new Random(seed);
                for (var i = 0; i < 5000; i++)
                {
                    var path = "/k" + random.Next(400);
                    if (cache.Find(KeyOf(path)) is null)
                    {
                        cache.Insert(Entry(path, random.Next(100, 2000)));
                    }
                }
            });
        }

        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(cache.Bytes <= cache.MaxBytes);
        Assert.True(cache.Clear() > 0);
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(0, cache.Count);
    }
}
