using System.IO.Pipelines;
using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheHarness;
using static EdgeProxy.Tests.Caching.CacheTestMessages;

namespace EdgeProxy.Tests.Caching;

/// <summary>Request coalescing with real threads: N concurrent misses, one fetch.</summary>
public sealed class CacheCoalescingTests
{
    private const string Fresh = "Cache-Control: max-age=60\r\nContent-Type: text/plain";

    /// <summary>
    /// What the request loop does per request: TryServe; on Wait, await and try again; on Miss, "fetch" (count it,
    /// take a while, tee the body) and commit. Returns the body the client got.
    /// </summary>
    private static async Task<string> ClientAsync(CacheHarness h, Func<int> fetch, Barrier start, string body)
    {
        var exchange = new CacheExchange(h.Cache);
        var (head, request) = Request();
        start.SignalAndWait(TimeSpan.FromSeconds(10));
        while (true)
        {
            var pipe = new Pipe();
            var outcome = exchange.TryServe(pipe.Writer, head, request, h.Policy, h.Context(), h.Now);
            switch (outcome)
            {
                case CacheOutcome.Hit:
                    return Body(Drain(pipe));
                case CacheOutcome.Wait:
                    await exchange.WaitAsync(CancellationToken.None);
                    continue;
                case CacheOutcome.Miss:
                case CacheOutcome.Bypass:
                    fetch();
                    await Task.Delay(100);
                    return outcome == CacheOutcome.Miss ? h.Fetch(exchange, Fresh, body) : body;
                default:
                    throw new InvalidOperationException(outcome.ToString());
            }
        }
    }

    [Fact]
    public async Task Hundred_concurrent_misses_send_exactly_one_request_upstream()
    {
        var h = new CacheHarness();
        var upstreamHits = 0;
        using var start = new Barrier(100);
        var clients = new Task<string>[100];
        for (var i = 0; i < clients.Length; i++)
        {
            clients[i] = Task.Factory.StartNew(() => ClientAsync(h, () => Interlocked.Increment(ref upstreamHits), start, "one fetch"), TaskCreationOptions.LongRunning).Unwrap();
        }

        var bodies = await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, upstreamHits);
        Assert.All(bodies, b => Assert.Equal("one fetch", b));
        Assert.Equal(99, h.Cache.Metrics.CoalescedWaitCount);
        Assert.Equal(99, h.Cache.Metrics.Hits);
        Assert.Equal(0, h.Cache.InFlightFills);
    }

    [Fact]
    public async Task Waiters_go_upstream_themselves_when_the_fetch_is_not_stored()
    {
        var h = new CacheHarness();
        var filler = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Miss, h.Serve(filler).Outcome);
        var waiter = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Wait, h.Serve(waiter).Outcome);

        var waiting = waiter.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        // The upstream says no-store: the fill is abandoned and the waiter wakes with "not stored".
        h.Fetch(filler, "Cache-Control: no-store", "private");
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(CacheOutcome.Miss, h.Serve(waiter).Outcome);
    }

    [Fact]
    public async Task A_waiter_stops_waiting_after_the_coalesce_timeout()
    {
        var h = new CacheHarness(new CacheSettings { CoalesceTimeout = TimeSpan.FromMilliseconds(200) });
        var filler = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Miss, h.Serve(filler).Outcome);
        var waiter = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Wait, h.Serve(waiter).Outcome);

        var started = System.Diagnostics.Stopwatch.StartNew();
        // Bounded by the outer 10 s; the lower bound shows it waited for its timeout rather than giving up at once
        // (no tight upper bound: a loaded CI box may run the timer's callback late).
        Assert.False(await waiter.WaitAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(started.ElapsedMilliseconds >= 150, $"gave up after {started.ElapsedMilliseconds} ms");

        // The fetch is still in flight: the waiter goes upstream itself and does not store.
        Assert.Equal(CacheOutcome.Bypass, h.Serve(waiter).Outcome);
        filler.Reset();
    }
}

/// <summary>A fetch nobody completes cannot make its key uncacheable for good.</summary>
public sealed class CacheAbandonedFillTests
{
    [Fact]
    public async Task A_fill_never_completed_is_taken_over_after_four_coalesce_timeouts()
    {
        var h = new CacheHarness(new CacheSettings { CoalesceTimeout = TimeSpan.FromMilliseconds(100) });
        var lost = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Miss, h.Serve(lost).Outcome);
        Assert.Equal(CacheOutcome.Wait, h.Serve(new CacheExchange(h.Cache)).Outcome);

        // The minimum takeover age is one second.
        await Task.Delay(1200);
        var next = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Miss, h.Serve(next).Outcome);
        h.Fetch(next, "Cache-Control: max-age=60", "taken over");
        Assert.Equal("taken over", Body(h.Serve(new CacheExchange(h.Cache)).Written));
    }
}
