using System.Buffers.Binary;
using System.Diagnostics;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

/// <summary>The bucket table: reload carry-over, eviction, the memory bound under a flood of addresses.</summary>
public sealed class RateLimiterTableTests
{
    private static RateLimitConfig Limit(string rate, long burst, RateLimitScope scope = RateLimitScope.RouteIp, PolicyMode mode = PolicyMode.Enforce)
    {
        Assert.True(RateParser.TryParse(rate, out var tokens, out var period));
        return new RateLimitConfig { Name = "l", Scope = scope, Tokens = tokens, Period = period, Burst = burst, Mode = mode };
    }

    private static byte[] Ip(int n)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, n);
        return bytes;
    }

    [Fact]
    public void Buckets_are_per_partition_and_per_limit()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var a = table.Define("route_ip/a/l", Limit("1/s", 2));
        var b = table.Define("route_ip/b/l", Limit("1/s", 2));

        Assert.True(a.Take(Ip(1), clock.Now).Allowed);
        Assert.True(a.Take(Ip(1), clock.Now).Allowed);
        Assert.False(a.Take(Ip(1), clock.Now).Allowed);
        Assert.True(a.Take(Ip(2), clock.Now).Allowed);
        Assert.True(b.Take(Ip(1), clock.Now).Allowed);
        Assert.Equal(3, table.Count);
        Assert.Equal(0, table.Available(a, Ip(1), clock.Now));
        Assert.Equal(2, table.Available(a, Ip(3), clock.Now));
    }

    [Fact]
    public void An_unchanged_limit_keeps_its_instance_and_buckets_across_a_reload()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var before = table.Define("route_ip/r/l", Limit("10/min", 10));
        for (var i = 0; i < 7; i++)
        {
            Assert.True(before.Take(Ip(1), clock.Now).Allowed);
        }

        var after = table.Define("route_ip/r/l", Limit("10/min", 10));

        Assert.Same(before, after);
        Assert.Equal(3, table.Available(after, Ip(1), clock.Now));
    }

    [Fact]
    public void A_mode_change_keeps_the_buckets_and_counters()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var enforce = table.Define("route/r/l", Limit("10/min", 10, RateLimitScope.Route));
        Assert.True(enforce.Take([], clock.Now, 4).Allowed);

        var shadow = table.Define("route/r/l", Limit("10/min", 10, RateLimitScope.Route, PolicyMode.Shadow));

        Assert.NotSame(enforce, shadow);
        Assert.True(shadow.IsShadow);
        Assert.Same(enforce.Counters, shadow.Counters);
        Assert.Equal(6, table.Available(shadow, [], clock.Now));
    }

    [Fact]
    public void An_edited_limit_applies_at_once_and_keeps_the_tokens_already_used()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var old = table.Define("route_ip/r/l", Limit("10/min", 10));
        for (var i = 0; i < 7; i++)
        {
            Assert.True(old.Take(Ip(1), clock.Now).Allowed);
        }

        Assert.True(old.Take(Ip(2), clock.Now, 10).Allowed);

        // Raised: 7 used of a new 20 leaves 13; 10 used leaves 10.
        var raised = table.Define("route_ip/r/l", Limit("20/min", 20));
        Assert.NotSame(old, raised);
        Assert.Same(old.Counters, raised.Counters);
        Assert.Equal(13, CountTakes(raised, Ip(1), clock.Now));
        Assert.Equal(10, CountTakes(raised, Ip(2), clock.Now));

        // The new rate applies at once: 20 per minute is one token every 3 s.
        clock.AdvanceSeconds(3);
        Assert.Equal(1, CountTakes(raised, Ip(1), clock.Now));

        // A key nobody used before the edit starts full.
        Assert.Equal(20, CountTakes(raised, Ip(3), clock.Now));

        // The old version's buckets were converted, not left behind.
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void A_lowered_limit_leaves_a_caller_who_used_more_than_the_new_burst_with_nothing()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var old = table.Define("consumer/l", Limit("10/min", 10, RateLimitScope.Consumer));
        Assert.True(old.Take("acme"u8, clock.Now, 7).Allowed);

        var lowered = table.Define("consumer/l", Limit("5/min", 5, RateLimitScope.Consumer));

        Assert.Equal(0, CountTakes(lowered, "acme"u8.ToArray(), clock.Now));
        clock.AdvanceSeconds(12);
        Assert.Equal(1, CountTakes(lowered, "acme"u8.ToArray(), clock.Now));
    }

    [Fact]
    public void Two_edits_in_a_row_still_carry_the_used_tokens()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var v1 = table.Define("ip/l", Limit("10/h", 10, RateLimitScope.Ip));
        Assert.True(v1.Take(Ip(9), clock.Now, 4).Allowed);
        table.Define("ip/l", Limit("11/h", 11, RateLimitScope.Ip));
        var v3 = table.Define("ip/l", Limit("12/h", 12, RateLimitScope.Ip));

        Assert.Equal(8, CountTakes(v3, Ip(9), clock.Now));
    }

    [Fact]
    public void Removed_declarations_are_forgotten_so_a_later_one_starts_fresh()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var a = table.Define("route/a/l", Limit("1/h", 1, RateLimitScope.Route));
        table.Retain(new HashSet<string> { "route/a/l" });
        Assert.Same(a, table.Define("route/a/l", Limit("1/h", 1, RateLimitScope.Route)));

        table.Retain(new HashSet<string>());

        Assert.NotSame(a, table.Define("route/a/l", Limit("1/h", 1, RateLimitScope.Route)));
    }

    [Fact]
    public void Sweep_evicts_only_buckets_that_are_full_again()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(100, clock);
        var fast = table.Define("route_ip/r/fast", Limit("10/s", 10));
        var slow = table.Define("route_ip/r/slow", Limit("10/h", 10));
        fast.Take(Ip(1), clock.Now);
        slow.Take(Ip(1), clock.Now);

        clock.AdvanceSeconds(0.05);
        Assert.Equal(0, table.Sweep(clock.Now));
        clock.AdvanceSeconds(1);
        Assert.Equal(1, table.Sweep(clock.Now));

        Assert.Equal(1, table.Count);
        Assert.Equal(1, table.IdleEvictions);
        Assert.Equal(9, table.Available(slow, Ip(1), clock.Now));
    }

    [Fact]
    public void A_flood_of_a_million_distinct_addresses_keeps_the_table_within_its_bound()
    {
        const int Capacity = 10_000;
        var clock = new VirtualClock();
        var table = new RateLimiterTable(Capacity, clock);
        var perIp = table.Define("ip/flood", Limit("10/s", 10, RateLimitScope.Ip));
        var watch = Stopwatch.StartNew();
        var max = 0;
        Span<byte> ip = stackalloc byte[4];
        for (var i = 0; i < 1_000_000; i++)
        {
            // 1 µs apart: every bucket is still far from full when the table runs out of room.
            clock.Advance(1000);
            BinaryPrimitives.WriteInt32BigEndian(ip, i);
            Assert.True(perIp.Take(ip, clock.Now).Allowed);
            max = Math.Max(max, table.Count);
        }

        watch.Stop();
        Assert.True(max <= Capacity, $"table grew to {max}");
        Assert.Equal(1_000_000 - table.Count, table.PressureEvictions + table.IdleEvictions);
        Assert.True(table.PressureEvictions > 900_000, $"{table.PressureEvictions} evictions under pressure");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"flood took {watch.Elapsed}");

        // The addresses that were evicted are the oldest: the most recent one still has its bucket.
        BinaryPrimitives.WriteInt32BigEndian(ip, 999_999);
        Assert.Equal(9, table.Available(perIp, ip, clock.Now));
    }

    [Fact]
    public void Idle_buckets_make_room_before_busy_ones()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(8, clock);
        var limit = table.Define("ip/l", Limit("1/s", 5, RateLimitScope.Ip));
        var busy = Ip(42);
        for (var i = 0; i < 3; i++)
        {
            limit.Take(busy, clock.Now);
        }

        for (var i = 0; i < 7; i++)
        {
            limit.Take(Ip(i), clock.Now);
        }

        // Everyone but the busy client is full again after 2 s (they used 1 token of 5).
        clock.AdvanceSeconds(2);
        limit.Take(Ip(100), clock.Now);

        Assert.Equal(0, table.PressureEvictions);
        Assert.Equal(4, table.Available(limit, busy, clock.Now));
        Assert.True(table.Count <= 8);
    }

    [Fact]
    public void Concurrent_takes_on_shared_and_fresh_keys_stay_exact_and_bounded()
    {
        var clock = new VirtualClock();
        var table = new RateLimiterTable(1000, clock);
        var limit = table.Define("ip/l", Limit("1/h", 1000, RateLimitScope.Ip));
        long grantedShared = 0;
        Parallel.For(0, 8, t =>
        {
            Span<byte> ip = stackalloc byte[4];
            for (var i = 0; i < 20_000; i++)
            {
                if (limit.Take(Ip(7), clock.Now).Allowed)
                {
                    Interlocked.Increment(ref grantedShared);
                }

                BinaryPrimitives.WriteInt32BigEndian(ip, 1_000_000 + (t * 20_000) + i);
                limit.Take(ip, clock.Now);
            }
        });

        // The shared address may have been evicted under pressure (it is then forgotten: up to another burst).
        Assert.InRange(grantedShared, 1000, 1000 * (1 + table.PressureEvictions));
        Assert.True(table.Count <= 1000);
    }

    private static int CountTakes(RateLimit limit, byte[] partition, long now)
    {
        var n = 0;
        while (limit.Take(partition, now).Allowed)
        {
            n++;
        }

        return n;
    }
}
