using EdgeProxy.Policies.Quotas;

namespace EdgeProxy.Policies;

/// <summary>
/// Background upkeep of the policies' state, off the request path: evicts token buckets that are full again (so
/// idle callers do not wait for table pressure to be forgotten), drops quota counters of consumers idle in every
/// period, and snapshots quota counts to disk when a quota store is configured.
/// </summary>
internal sealed class PolicyHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sweeper;
    private readonly Task _snapshots;
    private readonly IDisposable? _metrics;

    public PolicyHeartbeat(PolicyRuntime runtime, TimeSpan sweepInterval, QuotaSnapshotStore? store, TimeSpan snapshotInterval, IDisposable? metrics = null)
    {
        _metrics = metrics;
        _sweeper = SweepAsync(runtime, sweepInterval, _stopping.Token);
        _snapshots = store is null ? Task.CompletedTask : store.RunAsync(snapshotInterval, _stopping.Token);
    }

    /// <summary>Stops the loops; the quota store writes its final snapshot before this completes.</summary>
    public async ValueTask DisposeAsync()
    {
        _metrics?.Dispose();
        await _stopping.CancelAsync();
        await _sweeper;
        await _snapshots;
        _stopping.Dispose();
    }

    private static async Task SweepAsync(PolicyRuntime runtime, TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, runtime.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                runtime.Limiter.Sweep(runtime.Limiter.Time.GetTimestamp());
                runtime.Quotas.Prune(runtime.Time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
