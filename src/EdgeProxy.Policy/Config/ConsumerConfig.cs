namespace EdgeProxy.Policy.Config;

/// <summary><c>[[consumers]]</c>: who is calling, on which plan, with which API keys.</summary>
public sealed record ConsumerConfig
{
    /// <summary>Stable id: forwarded upstream, keys rate-limit buckets and quota counters, names the consumer in metrics.</summary>
    public string Id { get; init; } = "";

    /// <summary>Display name for people (the manager's pages); empty when not set.</summary>
    public string Name { get; init; } = "";

    /// <summary>Id of a <c>[[plans]]</c> entry; null for a consumer without plan limits or quotas.</summary>
    public string? Plan { get; init; }

    public EquatableArray<string> Tags { get; init; } = EquatableArray<string>.Empty;

    /// <summary>A disabled consumer keeps its keys, but every request with them is refused (403).</summary>
    public bool Enabled { get; init; } = true;

    public EquatableArray<ApiKeyConfig> Keys { get; init; } = EquatableArray<ApiKeyConfig>.Empty;

    /// <summary>Replace the plan's quota of the same period, or add a period the plan does not limit.</summary>
    public EquatableArray<QuotaConfig> Quotas { get; init; } = EquatableArray<QuotaConfig>.Empty;

    /// <summary>
    /// Ids of <c>[[apis]]</c> the consumer may call; empty: every API. When not empty, routes of other APIs
    /// answer 403; routes that belong to no API stay open to every valid key.
    /// </summary>
    public EquatableArray<string> Apis { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>
/// One API key of a consumer. Only the SHA-256 of the key is ever written down: the plaintext is shown once,
/// when <c>edgeproxy keys new</c> creates it, and never sits in a config file or a log.
/// </summary>
public sealed record ApiKeyConfig
{
    /// <summary>Optional name of the key (for rotation and audit); unique within its consumer.</summary>
    public string? Id { get; init; }

    /// <summary>Lowercase hex SHA-256 of the key's UTF-8 bytes (64 characters).</summary>
    public string KeySha256 { get; init; } = "";

    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>From this instant on the key is refused as expired (401).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>A revoked key is refused (401) with its own reason, so a caller can tell it from a typo.</summary>
    public bool Revoked { get; init; }
}

/// <summary><c>[[plans]]</c>: limits and quotas shared by every consumer on the plan (each consumer has its own buckets).</summary>
public sealed record PlanConfig
{
    public string Id { get; init; } = "";

    /// <summary>Display name in the manager's catalogue; empty when not set.</summary>
    public string Title { get; init; } = "";

    public string Description { get; init; } = "";

    /// <summary>Subscribing to the plan needs an administrator's approval (the manager holds the request until then).</summary>
    public bool Approval { get; init; }

    /// <summary>What the plan costs; null for a plan without a price.</summary>
    public PlanPriceConfig? Price { get; init; }

    /// <summary>Per-consumer limits across all routes (scope is always <see cref="RateLimitScope.Consumer"/>).</summary>
    public EquatableArray<RateLimitConfig> RateLimits { get; init; } = EquatableArray<RateLimitConfig>.Empty;

    public EquatableArray<QuotaConfig> Quotas { get; init; } = EquatableArray<QuotaConfig>.Empty;
}

/// <summary><c>price = { monthly = 49.0, per_call = 0.0001, overage = 0.0002, currency = "USD" }</c> on a plan.</summary>
public sealed record PlanPriceConfig
{
    /// <summary>Flat fee per month.</summary>
    public decimal Monthly { get; init; }

    /// <summary>Charge per call within the plan's quotas.</summary>
    public decimal PerCall { get; init; }

    /// <summary>Charge per call beyond the plan's quotas (for quotas in shadow mode, or billed overage).</summary>
    public decimal Overage { get; init; }

    /// <summary>ISO 4217 currency code.</summary>
    public string Currency { get; init; } = "USD";
}

/// <summary>
/// A token bucket: <see cref="Tokens"/> per <see cref="Period"/> refill, at most <see cref="Burst"/> stored.
/// Written <c>{ name = "per-ip", scope = "ip", rate = "100/s", burst = 200, mode = "enforce" }</c>.
/// </summary>
public sealed record RateLimitConfig
{
    /// <summary>Names the limit in headers, metrics and logs; limits with a cross-route scope are shared by name.</summary>
    public string Name { get; init; } = "";

    public RateLimitScope Scope { get; init; } = RateLimitScope.Route;

    /// <summary>Tokens added per <see cref="Period"/>: <c>rate = "100/s"</c> is 100 per second.</summary>
    public long Tokens { get; init; }

    public TimeSpan Period { get; init; }

    /// <summary>Bucket size: how many requests may arrive at once after a quiet spell. Defaults to <see cref="Tokens"/>.</summary>
    public long Burst { get; init; }

    public PolicyMode Mode { get; init; } = PolicyMode.Enforce;

    /// <summary><c>cluster = true</c>: one budget across the gateways of <c>[cluster]</c> (not for per-IP scopes).</summary>
    public bool Cluster { get; init; }
}

/// <summary>What a rate limit's buckets are keyed by.</summary>
public enum RateLimitScope
{
    /// <summary>One bucket for the route, shared by every caller.</summary>
    Route,

    /// <summary>One bucket per client address, shared by every route that declares a limit of the same name.</summary>
    Ip,

    /// <summary>One bucket per consumer, shared by every route (or plan) that declares a limit of the same name.</summary>
    Consumer,

    /// <summary>One bucket per client address on this route.</summary>
    RouteIp,

    /// <summary>One bucket per consumer on this route.</summary>
    RouteConsumer,
}

/// <summary><c>"enforce"</c> refuses over the limit; <c>"shadow"</c> only counts what it would have refused.</summary>
public enum PolicyMode
{
    Enforce,
    Shadow,
}

public enum RouteAuth
{
    None,

    /// <summary>An API key from <c>[api_keys]</c>'s header or query parameter.</summary>
    ApiKey,
}

/// <summary><c>{ period = "day", limit = 10000 }</c>: at most <see cref="Limit"/> requests per UTC calendar period.</summary>
public sealed record QuotaConfig
{
    public QuotaPeriod Period { get; init; } = QuotaPeriod.Day;

    public long Limit { get; init; }
}

/// <summary>Calendar periods aligned to UTC: a day quota resets at 00:00 UTC, a month quota on the 1st.</summary>
public enum QuotaPeriod
{
    Minute,
    Hour,
    Day,
    Month,
}

/// <summary><c>[api_keys]</c>: where requests carry their key and how the consumer is named upstream.</summary>
public sealed record ApiKeySettings
{
    /// <summary>Request header holding the key.</summary>
    public string Header { get; init; } = "X-Api-Key";

    /// <summary>Query parameter also accepted (the header wins when both are present); null reads no query parameter.</summary>
    public string? QueryParameter { get; init; }

    /// <summary>Request header set to the consumer id on forwarded requests; empty forwards nothing.</summary>
    public string ForwardConsumerHeader { get; init; } = "X-Consumer-Id";
}

/// <summary><c>[rate_limiting]</c>: the bucket table's bound and which rate-limit headers responses carry.</summary>
public sealed record RateLimitingConfig
{
    /// <summary>
    /// Most buckets kept at once (all limits together). Buckets idle long enough to be full are evicted first;
    /// past the bound the ones closest to full go, so a flood of distinct addresses cannot grow memory.
    /// </summary>
    public int MaxBuckets { get; init; } = 100_000;

    public RateLimitHeaderFormats Headers { get; init; } = RateLimitHeaderFormats.Ietf;

    public RateLimitHeadersOn HeadersOn { get; init; } = RateLimitHeadersOn.All;
}

/// <summary>Which rate-limit header families to send.</summary>
[Flags]
public enum RateLimitHeaderFormats
{
    None = 0,

    /// <summary><c>RateLimit-Policy</c> and <c>RateLimit</c> (draft-ietf-httpapi-ratelimit-headers).</summary>
    Ietf = 1,

    /// <summary><c>X-RateLimit-Limit</c>, <c>X-RateLimit-Remaining</c>, <c>X-RateLimit-Reset</c>.</summary>
    Legacy = 2,
}

public enum RateLimitHeadersOn
{
    /// <summary>Every response of a route with limits (clients can pace themselves).</summary>
    All,

    /// <summary>Only 429 responses.</summary>
    Limited,
}

/// <summary><c>[quota_store]</c>: where quota counts survive restarts.</summary>
/// <summary>
/// <c>[cluster]</c>: several gateways, one budget. With <see cref="Redis"/> set, quotas and the rate limits marked
/// <c>cluster = true</c> are shared through Redis; the request path never waits on it.
/// </summary>
public sealed record ClusterModeConfig
{
    /// <summary><c>host:port</c> of the Redis server; empty (the default) keeps every count local.</summary>
    public string Redis { get; init; } = "";

    /// <summary>How often quota counts are exchanged and rate-limit leases topped up.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Tokens an instance takes from a shared bucket at a time (its local lease).</summary>
    public int Lease { get; init; } = 20;

    /// <summary>Prefix of every Redis key, so several gateway fleets can share one Redis.</summary>
    public string KeyPrefix { get; init; } = "edgeproxy";
}

public sealed record QuotaStoreConfig
{
    /// <summary>
    /// Directory for the counts snapshot (relative paths are relative to the file that sets it); empty keeps
    /// counts in memory only, so a restart starts every period from zero.
    /// </summary>
    public string Directory { get; init; } = "";

    /// <summary>How often counts are written; a crash loses at most this much counting.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(10);
}
