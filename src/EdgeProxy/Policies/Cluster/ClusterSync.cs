using System.Diagnostics;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace EdgeProxy.Policies.Cluster;

/// <summary>
/// Cluster mode (<c>[cluster] redis = "host:port"</c>): several gateways, one budget. Off the request path, every
/// <c>sync_interval</c> it adds this instance's new quota counts to per-period counters in Redis and folds the
/// other instances' counts back in; on demand it tops up the leases of shared rate limits from token buckets kept
/// in Redis (a Lua script, on Redis's clock). Requests only ever touch local memory.
/// </summary>
/// <remarks>
/// <para><b>Worst-case overshoot.</b> With N gateways, a sync interval I and a Redis round trip T: a quota can be
/// exceeded by at most what the other N − 1 instances admit for that consumer in one I + T window after the
/// budget ran out (each learns the others' counts at most I + T late): (N − 1) × r × (I + T) for a consumer sending r
/// requests/s to each instance. A shared rate limit spends only tokens leased from the shared bucket, so while Redis
/// answers it is exceeded only by requests an instance admits from its local bucket while a partition's lease is on
/// its way: before the first lease, and when the lease ran dry although the shared bucket still granted the last
/// top-up in full; at most one round trip of traffic per instance each time, and never beyond the declared limit
/// per instance. While Redis is unreachable every instance
/// enforces the declared limits locally: up to N × the limit in total, and quotas count locally and are merged
/// (added) into Redis when it returns.</para>
/// <para>Redis unreachable or slow (a command over one second) never fails a request: the instance falls back to
/// local limits, logs the loss once and a reminder every 10 s, exposes <c>edgeproxy_cluster_redis_up</c> = 0, and
/// re-synchronises when Redis answers again.</para>
/// </remarks>
internal sealed partial class ClusterSync : IAsyncDisposable
{
    private const string QuotaScript = """
        local v = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        return v
        """;

    // A token bucket in Redis, refilled on Redis's own clock so instance clocks never matter. Returns the tokens
    // granted and, when fewer than asked, the milliseconds until the rest would be there.
    private const string LeaseScript = """
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local want = tonumber(ARGV[3])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(b[1])
        local ts = tonumber(b[2])
        if tokens == nil or ts == nil then
          tokens = burst
          ts = now
        end
        tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
        local got = math.min(want, math.floor(tokens))
        tokens = tokens - got
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 60000)
        local wait = 0
        if got < want then
          wait = math.ceil((want - got - tokens) / rate)
        end
        return { got, wait }
        """;

    private static readonly TimeSpan ReminderInterval = TimeSpan.FromSeconds(10);

    private readonly ClusterModeConfig _config;
    private readonly PolicyRuntime _runtime;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sync;
    private readonly Task _refill;
    private readonly TaskCompletionSource<ConnectionMultiplexer?> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool? _up;
    private long _lastReminder;
    private long _quotaSyncs;
    private long _lastSync;
    private TimeSpan _longestGap;

    public ClusterSync(ClusterModeConfig config, PolicyRuntime runtime, ILogger logger)
    {
        _config = config;
        _runtime = runtime;
        _logger = logger;
        runtime.SharedLimits.LeaseSize = config.Lease;

        // Counts restored from the quota snapshot were Redis's already: only what is counted from now on is new.
        foreach (var quota in runtime.Quotas.All)
        {
            for (var p = 0; p < QuotaPeriods.Count; p++)
            {
                quota.Synced[p] = quota.Read((QuotaPeriod)p);
            }
        }

        _sync = SyncLoopAsync(_stopping.Token);
        _refill = RefillLoopAsync(_stopping.Token);
    }

    /// <summary>Whether the last exchange with Redis worked (null before the first one).</summary>
    public bool? RedisUp => _up;

    /// <summary>Completed quota exchanges with Redis.</summary>
    public long QuotaSyncs => Interlocked.Read(ref _quotaSyncs);

    /// <summary>
    /// The longest time between two completed quota exchanges since <see cref="ResetLongestGap"/>: the I + T of the
    /// overshoot bound as it really was (a busy machine stretches the configured interval).
    /// </summary>
    public TimeSpan LongestGap => _longestGap;

    public void ResetLongestGap() => _longestGap = TimeSpan.Zero;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _runtime.SharedLimits.RefillSignal.Release();
        await _refill;
        await _sync;
        if (_connected.Task.IsCompletedSuccessfully && _connected.Task.Result is { } connection)
        {
            await connection.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task SyncLoopAsync(CancellationToken stopping)
    {
        ConnectionMultiplexer? connection = null;
        try
        {
            var options = ConfigurationOptions.Parse(_config.Redis);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 1000;
            options.SyncTimeout = 1000;
            options.AsyncTimeout = 1000;
            options.ConnectRetry = 1;
            options.ReconnectRetryPolicy = new LinearRetry((int)Math.Max(100, _config.SyncInterval.TotalMilliseconds));
            connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or ArgumentException)
        {
            Log.RedisConfigFailed(_logger, _config.Redis, e.Message);
        }

        _connected.TrySetResult(connection);
        if (connection is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_config.SyncInterval);
        try
        {
            do
            {
                await SyncOnceAsync(connection).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        // Shutting down: what was counted since the last exchange goes to Redis too.
        await SyncOnceAsync(connection).ConfigureAwait(false);
    }

    private async Task SyncOnceAsync(ConnectionMultiplexer connection)
    {
        if (!connection.IsConnected)
        {
            SetUp(false, "not connected");
            return;
        }

        try
        {
            await SyncQuotasAsync(connection.GetDatabase()).ConfigureAwait(false);
            _runtime.SharedLimits.Sweep(Stopwatch.GetTimestamp() - (Stopwatch.Frequency * 60));
            SetUp(true, null);
            var now = Stopwatch.GetTimestamp();
            if (_lastSync != 0)
            {
                var gap = Stopwatch.GetElapsedTime(_lastSync, now);
                if (gap > _longestGap)
                {
                    _longestGap = gap;
                }
            }

            _lastSync = now;
            Interlocked.Increment(ref _quotaSyncs);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            SetUp(false, e.Message);
        }
    }

    private async Task SyncQuotasAsync(IDatabase db)
    {
        var now = _runtime.Time.GetUtcNow();
        var pending = new List<(ConsumerQuota Quota, QuotaPeriod Period, long Index, long Count, Task<RedisResult> Reply)>();
        foreach (var quota in _runtime.Quotas.All)
        {
            for (var p = 0; p < QuotaPeriods.Count; p++)
            {
                var period = (QuotaPeriod)p;
                var (index, count) = quota.Read(period);
                if (index != (QuotaPeriods.Index(period, now) & ConsumerQuota.IndexMask))
                {
                    continue; // nothing counted in the current period on this instance yet
                }

                var synced = quota.Synced[p];
                var delta = count - (synced.Index == index ? synced.Count : 0);
                var expireAt = QuotaPeriods.End(period, index).AddDays(1).ToUnixTimeMilliseconds();
                pending.Add((quota, period, index, count, db.ScriptEvaluateAsync(QuotaScript, [QuotaKey(quota.ConsumerId, period, index)], [delta, expireAt])));
            }
        }

        foreach (var (quota, period, index, count, reply) in pending)
        {
            var global = (long)await reply.ConfigureAwait(false);

            // The global count includes ours up to `count`; requests counted here since then stay on top.
            if (quota.TryAdjust(period, index, global - count))
            {
                quota.Synced[(int)period] = (index, global);
            }
        }
    }

    private async Task RefillLoopAsync(CancellationToken stopping)
    {
        var connection = await _connected.Task.ConfigureAwait(false);
        if (connection is null)
        {
            return;
        }

        var leases = _runtime.SharedLimits;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await leases.RefillSignal.WaitAsync(_config.SyncInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            leases.Online = _up == true && connection.IsConnected;
            if (!leases.Online)
            {
                leases.Clear();
                while (leases.TryDequeueRefill(out _))
                {
                }

                continue;
            }

            var db = connection.GetDatabase();
            var batch = new List<(SharedLimitLeases.Lease Lease, long Want, Task<RedisResult> Reply)>();
            while (leases.TryDequeueRefill(out var lease))
            {
                var limit = lease.Limit;
                var want = Math.Max(1, leases.LeaseSize - Volatile.Read(ref lease.Tokens));
                var perMillisecond = (double)limit.Config.Tokens / limit.Config.Period.TotalMilliseconds;
                batch.Add((lease, want, db.ScriptEvaluateAsync(LeaseScript, [LeaseKey(limit.Identity, lease.Partition)],
                    [perMillisecond, limit.Config.Burst, want])));
            }

            foreach (var (lease, want, reply) in batch)
            {
                try
                {
                    var result = (RedisResult[])(await reply.ConfigureAwait(false))!;
                    var granted = (long)result[0];
                    var waitMs = (long)result[1];
                    Interlocked.Add(ref lease.Tokens, granted);
                    Volatile.Write(ref lease.LastGrantFull, granted >= want ? 1 : 0);
                    GatewayClusterMetrics.LeaseTokens.Inc(granted);

                    // Nothing (or too little) left in the shared bucket: ask again when enough has refilled, or next interval.
                    var retryMs = granted == 0 ? Math.Clamp(waitMs, 1, (long)_config.SyncInterval.TotalMilliseconds) : 0;
                    Volatile.Write(ref lease.NextRefill, Stopwatch.GetTimestamp() + (retryMs * Stopwatch.Frequency / 1000));
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    SetUp(false, e.Message);
                }
                finally
                {
                    Volatile.Write(ref lease.RefillQueued, 0);
                }
            }
        }
    }

    private RedisKey QuotaKey(string consumer, QuotaPeriod period, long index) =>
        $"{_config.KeyPrefix}:quota:{consumer}:{QuotaPeriods.Name(period)}:{index}";

    private RedisKey LeaseKey(string identity, byte[] partition) =>
        $"{_config.KeyPrefix}:rl:{identity}:{Convert.ToHexStringLower(partition)}";

    private void SetUp(bool up, string? problem)
    {
        GatewayClusterMetrics.RedisUp.Set(up ? 1 : 0);
        if (!up)
        {
            GatewayClusterMetrics.SyncFailures.Inc();
            _runtime.SharedLimits.Online = false;
        }
        else
        {
            _runtime.SharedLimits.Online = true;
        }

        var now = Environment.TickCount64;
        if (_up != up)
        {
            _up = up;
            _lastReminder = now;
            if (up)
            {
                Log.RedisUp(_logger, _config.Redis);
            }
            else
            {
                Log.RedisDown(_logger, _config.Redis, problem ?? "unreachable");
            }
        }
        else if (!up && now - _lastReminder >= ReminderInterval.TotalMilliseconds)
        {
            _lastReminder = now;
            Log.RedisStillDown(_logger, _config.Redis, problem ?? "unreachable");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(410, LogLevel.Information, "Cluster mode: Redis {Redis} reachable; quotas and shared limits are synchronised")]
        public static partial void RedisUp(ILogger logger, string redis);

        [LoggerMessage(411, LogLevel.Warning, "Cluster mode: Redis {Redis} unreachable ({Problem}); enforcing limits locally until it returns")]
        public static partial void RedisDown(ILogger logger, string redis, string problem);

        [LoggerMessage(412, LogLevel.Warning, "Cluster mode: Redis {Redis} still unreachable ({Problem}); limits are local")]
        public static partial void RedisStillDown(ILogger logger, string redis, string problem);

        [LoggerMessage(413, LogLevel.Error, "Cluster mode: cannot use Redis {Redis}: {Problem}; limits are local")]
        public static partial void RedisConfigFailed(ILogger logger, string redis, string problem);
    }
}
