using System.Text;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// One declared limit as the request path uses it: its rate in clock units, how its buckets are partitioned,
/// and its header name. Built by <see cref="RateLimiterTable.Define"/>, which hands out the same instance (and so
/// the same buckets) across reloads while the declaration is unchanged.
/// </summary>
internal sealed class RateLimit
{
    internal RateLimit(RateLimiterTable table, string identity, RateLimitConfig config, TokenBucketRate rate, int slot,
        RateLimitCounters counters, RateLimit? predecessor)
    {
        Table = table;
        Identity = identity;
        Config = config;
        Rate = rate;
        Slot = slot;
        Counters = counters;
        Predecessor = predecessor;
        Partition = config.Scope switch
        {
            RateLimitScope.Route => RateLimitPartition.None,
            RateLimitScope.Ip or RateLimitScope.RouteIp => RateLimitPartition.ClientAddress,
            _ => RateLimitPartition.Consumer,
        };
        HeaderName = Encoding.ASCII.GetBytes($"\"{config.Name}\"");
        AnalyticsName = Analytics.AnalyticsNames.Intern(config.Name);
        // Whole seconds for RateLimit-Policy's w; a period that is not a whole number of seconds ("3/250ms")
        // is reported as the equivalent quota over the next whole second count (12 per 1 s).
        WindowSeconds = Math.Max(1, (config.Period.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
        HeaderQuota = config.Period.Ticks % TimeSpan.TicksPerSecond == 0
            ? config.Tokens
            : (long)((Int128)config.Tokens * WindowSeconds * TimeSpan.TicksPerSecond / config.Period.Ticks);
    }

    internal RateLimiterTable Table { get; }

    /// <summary>Where the declaration sits, e.g. <c>route_ip/users/per-ip</c> or <c>plan/gold/burst</c>; stable across reloads.</summary>
    public string Identity { get; }

    public RateLimitConfig Config { get; }

    public string Name => Config.Name;

    /// <summary><see cref="Name"/> as an analytics name id: the policy a 429 names.</summary>
    public int AnalyticsName { get; }

    public bool IsShadow => Config.Mode == PolicyMode.Shadow;

    public TokenBucketRate Rate { get; }

    public RateLimitPartition Partition { get; }

    public RateLimitCounters Counters { get; }

    /// <summary>The limit's name as a structured-field string, <c>"per-ip"</c>, for the RateLimit headers.</summary>
    public byte[] HeaderName { get; }

    /// <summary>The policy window for <c>RateLimit-Policy</c>'s <c>w</c> (the rate's period, in whole seconds).</summary>
    public long WindowSeconds { get; }

    /// <summary><c>RateLimit-Policy</c>'s <c>q</c>: requests per <see cref="WindowSeconds"/>.</summary>
    public long HeaderQuota { get; }

    /// <summary>Identifies this version's buckets in the table.</summary>
    internal int Slot { get; }

    /// <summary>The previous version of this declaration, whose buckets are converted on first use so used tokens carry over.</summary>
    internal RateLimit? Predecessor { get; set; }

    /// <summary>
    /// Set while <c>[cluster]</c> shares this limit (<c>cluster = true</c>): takes come from the instance's lease of the
    /// shared bucket, and from the local bucket while Redis is unreachable or the partition's first lease is on its way.
    /// </summary>
    internal Cluster.SharedLimitLeases? Shared { get; set; }

    /// <summary>Takes tokens from the bucket of <paramref name="partition"/> (no allocation once the bucket exists).</summary>
    public TakeResult Take(ReadOnlySpan<byte> partition, long now, long count = 1) =>
        Shared is { } shared && shared.TryTake(this, partition, now, count, out var leased) ? leased : Table.Take(this, partition, now, count);

    public void Refund(ReadOnlySpan<byte> partition, long count = 1)
    {
        if (Shared is not { } shared || !shared.TryRefund(this, partition, count))
        {
            Table.Refund(this, partition, count);
        }
    }

    public override string ToString() => $"{Identity} {RateParser.Format(Config.Tokens, Config.Period)} burst {Config.Burst}";
}
