using EdgeProxy.Policies.RateLimiting;

namespace EdgeProxy.Tests.Policies;

/// <summary>The lock-free token bucket, in virtual time on an odd-frequency clock.</summary>
public sealed class TokenBucketTests
{
    private const long F = VirtualClock.OddFrequency;

    private static TokenBucketRate Rate(long tokens, TimeSpan period, long burst, long frequency = F) =>
        TokenBucketRate.Create(tokens, period, burst, frequency);

    [Fact]
    public void A_full_bucket_grants_its_burst_then_refuses_with_the_exact_wait()
    {
        var clock = new VirtualClock();
        var bucket = new TokenBucket(Rate(7, TimeSpan.FromSeconds(1), 3), clock.Now);

        Assert.Equal(3, bucket.Available(clock.Now));
        var first = bucket.Take(clock.Now);
        Assert.True(first.Allowed);
        Assert.Equal(2, first.Remaining);
        Assert.Equal(0, first.RetryAfterTicks);
        Assert.Equal(CeilDiv(F, 7), first.TicksUntilFull);
        Assert.True(bucket.TryTake(clock.Now));
        var last = bucket.Take(clock.Now);
        Assert.True(last.Allowed);
        Assert.Equal(0, last.Remaining);
        Assert.Equal(CeilDiv(F, 7), last.RetryAfterTicks);

        var refused = bucket.Take(clock.Now);
        Assert.False(refused.Allowed);
        Assert.Equal(CeilDiv(F, 7), refused.RetryAfterTicks);
        Assert.Equal(CeilDiv(3 * F, 7), refused.TicksUntilFull);

        // One tick short of a token is still no token; the next tick is.
        clock.Advance(CeilDiv(F, 7) - 1);
        Assert.False(bucket.TryTake(clock.Now));
        clock.Advance(1);
        Assert.True(bucket.TryTake(clock.Now));
        Assert.False(bucket.TryTake(clock.Now));
    }

    [Fact]
    public void Refill_over_a_long_virtual_interval_is_exact_with_an_odd_frequency()
    {
        // 7 tokens per second on a 999,999,937 Hz clock: 142,857,133.857... ticks per token, never a whole number.
        var clock = new VirtualClock();
        // Burst 2 while polling far faster than tokens come: the bucket never fills, so no refill is capped away.
        var rate = Rate(7, TimeSpan.FromSeconds(1), 2);
        Assert.True(rate.IsExact);
        var bucket = new TokenBucket(rate, clock.Now, available: 0);
        var start = clock.Now;
        long granted = 0;

        // Poll at an awkward step (a prime number of ticks) for 1000 virtual seconds.
        const long Step = 10_000_019;
        while (clock.Now - start < 1000 * F)
        {
            clock.Advance(Step);
            while (bucket.TryTake(clock.Now))
            {
                granted++;
            }
        }

        var elapsed = clock.Now - start;
        Assert.Equal((long)((Int128)elapsed * 7 / F), granted);
        Assert.Equal(7000, granted);
    }

    [Fact]
    public void Multi_token_takes_and_requests_larger_than_the_bucket()
    {
        var clock = new VirtualClock();
        var bucket = new TokenBucket(Rate(10, TimeSpan.FromSeconds(1), 10), clock.Now);

        Assert.True(bucket.TryTake(clock.Now, 6));
        Assert.False(bucket.TryTake(clock.Now, 5));
        Assert.Equal(4, bucket.Available(clock.Now));
        var tooBig = bucket.Take(clock.Now, 11);
        Assert.False(tooBig.Allowed);
        Assert.Equal(long.MaxValue, tooBig.RetryAfterTicks);
        Assert.Equal(4, bucket.Available(clock.Now));
    }

    [Fact]
    public void Tokens_never_exceed_the_burst_and_refunds_are_capped_by_it()
    {
        var clock = new VirtualClock();
        var bucket = new TokenBucket(Rate(100, TimeSpan.FromSeconds(1), 5), clock.Now);

        clock.AdvanceSeconds(3600);
        Assert.Equal(5, bucket.Available(clock.Now));
        Assert.Equal(0, bucket.TicksUntilFull(clock.Now));
        Assert.True(bucket.TryTake(clock.Now, 5));
        bucket.Refund(2);
        Assert.Equal(2, bucket.Available(clock.Now));
        bucket.Refund(10);
        Assert.Equal(5, bucket.Available(clock.Now));
    }

    [Fact]
    public void A_slightly_older_timestamp_from_another_thread_is_refused_not_misread_as_a_full_bucket()
    {
        var clock = new VirtualClock();
        var bucket = new TokenBucket(Rate(1, TimeSpan.FromSeconds(1), 1), clock.Now);
        var stale = clock.Now;
        clock.AdvanceSeconds(1);
        Assert.True(bucket.TryTake(clock.Now));
        Assert.False(bucket.TryTake(clock.Now - 1));

        // The thread that read the clock before the other took must not see the state as "in the future" = full.
        Assert.False(bucket.TryTake(stale));
        Assert.Equal(0, bucket.Available(stale));
    }

    [Fact]
    public void Eight_threads_taking_a_million_times_each_get_exactly_what_the_rate_allows()
    {
        // Each take advances the shared virtual clock by 997 ticks, so the 8,000,000 takes span about 8 virtual
        // seconds in which 1,000 tokens per second come back. Threads read the clock at different moments and race on
        // the CAS; the bucket must still hand out exactly the tokens the interval created, never one more or less.
        const int Threads = 8;
        const int TakesPerThread = 1_000_000;
        const long Step = 997;
        var clock = new VirtualClock();
        var rate = Rate(1000, TimeSpan.FromSeconds(1), 50);
        var start = clock.Now;
        var bucket = new TokenBucket(rate, start, available: 0);
        var granted = new long[Threads];
        using var go = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            go.SignalAndWait();
            long mine = 0;
            for (var i = 0; i < TakesPerThread; i++)
            {
                var now = clock.Advance(Step);
                if (bucket.TryTake(now))
                {
                    mine++;
                }
            }

            granted[t] = mine;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var end = clock.Now;
        var total = granted.Sum();
        var leftAtEnd = bucket.Available(end);
        var created = (long)((Int128)(end - start) * 1000 / F);
        Assert.Equal((long)Threads * TakesPerThread * Step, end - start);
        Assert.Equal(created, total + leftAtEnd);
        Assert.True(total > 7900, $"granted {total}");
    }

    [Fact]
    public void Burst_on_top_of_the_rate_is_exact_under_contention_with_a_frozen_clock()
    {
        var clock = new VirtualClock();
        var bucket = new TokenBucket(Rate(10, TimeSpan.FromSeconds(1), 12_345), clock.Now);
        long granted = 0;
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                if (bucket.TryTake(clock.Now))
                {
                    Interlocked.Increment(ref granted);
                }
            }
        });

        Assert.Equal(12_345, granted);
    }

    [Theory]
    [InlineData(100, 1, 1_000_000_000L)]       // the usual Linux clock: 10,000,000 ticks per token, scale 1
    [InlineData(100, 1, 10_000_000L)]          // the usual Windows clock
    [InlineData(3, 1, 3_579_545L)]             // the ACPI PM timer
    [InlineData(12_345, 60, 1_000_000_000L)]   // needs rounding (scale 823 would wrap within a year)
    public void Rates_are_exact_or_rounded_by_less_than_a_millionth(long tokens, int seconds, long frequency)
    {
        var rate = Rate(tokens, TimeSpan.FromSeconds(seconds), tokens, frequency);
        var exactTicksPerToken = (double)seconds * frequency / tokens;
        var actual = (double)rate.TokenCost / rate.Scale;

        Assert.True(Math.Abs(actual - exactTicksPerToken) / exactTicksPerToken < 1e-6, $"{actual} vs {exactTicksPerToken}");
        Assert.Equal(tokens != 12_345, rate.IsExact);
    }

    [Fact]
    public void Absurd_burst_for_a_slow_rate_is_capped_rather_than_overflowing()
    {
        var rate = Rate(1, TimeSpan.FromDays(1), 1_000_000_000, 1_000_000_000);

        Assert.True(rate.Burst < 1_000_000_000);
        Assert.True(rate.BurstSpan <= TokenBucketRate.MaxSpan);
        var bucket = new TokenBucket(rate, 5);
        Assert.Equal(rate.Burst, bucket.Available(5));
    }

    private static long CeilDiv(long a, long b) => ((a - 1) / b) + 1;
}
