namespace EdgeProxy.Policy.Config;

/// <summary>The whole policy table: every TOML file of a config directory merged into one value.</summary>
public sealed record GatewayConfig
{
    public GatewaySettings Gateway { get; init; } = new();
    public HttpLimitsConfig Limits { get; init; } = new();
    public AdminConfig Admin { get; init; } = new();
    public EquatableArray<ListenerConfig> Listeners { get; init; } = EquatableArray<ListenerConfig>.Empty;
    public EquatableArray<ClusterConfig> Clusters { get; init; } = EquatableArray<ClusterConfig>.Empty;
    public EquatableArray<RouteConfig> Routes { get; init; } = EquatableArray<RouteConfig>.Empty;

    public ApiKeySettings ApiKeys { get; init; } = new();
    public RateLimitingConfig RateLimiting { get; init; } = new();
    public QuotaStoreConfig QuotaStore { get; init; } = new();
    public CacheSettings Cache { get; init; } = new();

    /// <summary><c>[cors]</c>: the CORS policy of every route that sets none of its own; off without origins.</summary>
    public CorsSettings Cors { get; init; } = new();

    /// <summary><c>[analytics]</c>: per-request records shipped to the manager.</summary>
    public AnalyticsSettings Analytics { get; init; } = new();

    /// <summary><c>[cluster]</c>: quotas and shared rate limits kept with other gateway instances through Redis.</summary>
    public ClusterModeConfig ClusterMode { get; init; } = new();

    /// <summary>Callers and their API keys; may live in a file of their own (the manager owns <c>consumers.toml</c>).</summary>
    public EquatableArray<ConsumerConfig> Consumers { get; init; } = EquatableArray<ConsumerConfig>.Empty;
    public EquatableArray<PlanConfig> Plans { get; init; } = EquatableArray<PlanConfig>.Empty;

    /// <summary>APIs as products: versions of routes with a lifecycle the gateway enforces.</summary>
    public EquatableArray<ApiConfig> Apis { get; init; } = EquatableArray<ApiConfig>.Empty;
}

/// <summary><c>[gateway]</c>: process-wide behaviour.</summary>
public sealed record GatewaySettings
{
    /// <summary>Pseudonym used in <c>Via</c> and <c>Forwarded: by=</c>.</summary>
    public string Name { get; init; } = "edgeproxy";

    /// <summary>How long SIGTERM waits for in-flight requests before exiting.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Client addresses (CIDR) whose incoming X-Forwarded-* / Forwarded values are kept and appended to;
    /// from anyone else they are replaced. Empty: trust nobody.
    /// </summary>
    public EquatableArray<string> TrustedProxies { get; init; } = EquatableArray<string>.Empty;

    /// <summary><c>"off"</c>, <c>"stdout"</c> or a file path.</summary>
    public string AccessLog { get; init; } = "stdout";

    /// <summary>Capacity, in lines, of the access log buffer; a full buffer drops and counts.</summary>
    public int AccessLogBuffer { get; init; } = 8192;

    /// <summary>Debounce applied to file-change notifications before reloading.</summary>
    public TimeSpan ReloadDebounce { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The least severe of the gateway's own log lines written (one of <see cref="LogLevels"/>); applied on every
    /// reload. Kestrel's and the host's lines stay at <c>warning</c> or above whatever this says.
    /// </summary>
    public string LogLevel { get; init; } = "info";

    /// <summary>Every value <see cref="LogLevel"/> takes, from the most to the least verbose.</summary>
    public static readonly string[] LogLevels = ["trace", "debug", "info", "warning", "error", "critical", "off"];
}

/// <summary><c>[limits]</c>: wire limits for client requests (RFC 9112 leaves them to the server).</summary>
public sealed record HttpLimitsConfig
{
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;
    public int MaxHeaderBytes { get; init; } = 32 * 1024;
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Time allowed to receive a whole request head once its first byte arrived (slowloris bound).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a kept-alive client connection may sit idle between requests.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>Default request body limit for routes that set none.</summary>
    public long MaxBodyBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>Open connections one client address (IPv6: its /64) may hold; 0 for no limit. Checked at accept.</summary>
    public int MaxConnectionsPerIp { get; init; }

    /// <summary>New connections per client address per <see cref="ConnectionRatePeriod"/>; 0 for no limit.</summary>
    public long ConnectionRateTokens { get; init; }

    public TimeSpan ConnectionRatePeriod { get; init; }

    /// <summary>New connections a quiet address may open at once; defaults to the rate's count.</summary>
    public long ConnectionBurstPerIp { get; init; }
}

/// <summary><c>[admin]</c>: the operator's port (health, metrics, config, reload).</summary>
public sealed record AdminConfig
{
    /// <summary><c>host:port</c>; empty disables the admin listener.</summary>
    public string Listen { get; init; } = "127.0.0.1:9901";
}

/// <summary><c>[[listeners]]</c>: an address the gateway accepts client connections on.</summary>
public sealed record ListenerConfig
{
    public string Name { get; init; } = "";

    /// <summary><c>host:port</c>, e.g. <c>127.0.0.1:8080</c> or <c>[::1]:8443</c>.</summary>
    public string Listen { get; init; } = "";

    public ListenerTlsConfig? Tls { get; init; }
}

/// <summary><c>[listeners.tls]</c>: server TLS (1.2+), optional SNI certificates and client certificates.</summary>
public sealed record ListenerTlsConfig
{
    /// <summary>PEM certificate chain used when no SNI entry matches.</summary>
    public string CertificateFile { get; init; } = "";
    public string KeyFile { get; init; } = "";

    /// <summary>Extra certificates chosen by the client's SNI host name.</summary>
    public EquatableArray<SniCertificateConfig> Sni { get; init; } = EquatableArray<SniCertificateConfig>.Empty;

    /// <summary>When set, clients must present a certificate that chains to this PEM bundle (mTLS).</summary>
    public string? ClientCaFile { get; init; }
}

public sealed record SniCertificateConfig
{
    /// <summary>Exact host or <c>*.example.com</c>.</summary>
    public string Host { get; init; } = "";
    public string CertificateFile { get; init; } = "";
    public string KeyFile { get; init; } = "";
}

/// <summary><c>[[clusters]]</c>: a named set of upstream endpoints.</summary>
public sealed record ClusterConfig
{
    public string Id { get; init; } = "";

    /// <summary>Absolute <c>http://</c> or <c>https://</c> URLs with host and port, no path.</summary>
    public EquatableArray<string> Endpoints { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Idle keep-alive connections kept per endpoint.</summary>
    public int MaxIdleConnections { get; init; } = 64;

    /// <summary>An idle pooled connection older than this is closed rather than reused.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Receive buffer (SO_RCVBUF) of each upstream connection, in bytes; 0 leaves it to the kernel's autotuning.
    /// A fixed size lets a fresh pooled connection take a large response at full window at once: autotuning grows a
    /// window only as fast as the gateway drains it, and under load that took 10-15 s (bench/RESULTS.md).
    /// </summary>
    public long ReceiveBuffer { get; init; } = DefaultReceiveBuffer;

    public const long DefaultReceiveBuffer = 512 * 1024;

    public const long MaxReceiveBuffer = 64 * 1024 * 1024;

    public UpstreamTlsConfig? Tls { get; init; }
}

/// <summary><c>[clusters.tls]</c>: client-side TLS towards <c>https://</c> endpoints.</summary>
public sealed record UpstreamTlsConfig
{
    /// <summary>SNI and certificate name to expect; defaults to the endpoint's host.</summary>
    public string? ServerName { get; init; }

    /// <summary>PEM bundle of trusted CAs; the system store when absent.</summary>
    public string? CaFile { get; init; }

    public string? ClientCertificateFile { get; init; }
    public string? ClientKeyFile { get; init; }

    /// <summary>For test upstreams only; validation errors are ignored.</summary>
    public bool Insecure { get; init; }
}

/// <summary><c>[[routes]]</c>: which requests go to which cluster, and what happens on the way.</summary>
public sealed record RouteConfig
{
    public string Id { get; init; } = "";
    public string Cluster { get; init; } = "";

    /// <summary>Host patterns: exact (<c>api.example.com</c>) or leading wildcard (<c>*.example.com</c>); empty matches any host.</summary>
    public EquatableArray<string> Hosts { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Exact path or a template with <c>{param}</c> segments. Exclusive with <see cref="PathPrefix"/>.</summary>
    public string? Path { get; init; }

    /// <summary>Path prefix on segment boundaries (<c>/api</c> matches <c>/api</c>, <c>/api/x</c>, not <c>/apix</c>).</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Allowed methods; empty allows all.</summary>
    public EquatableArray<string> Methods { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Header conditions, all of which must hold.</summary>
    public EquatableArray<HeaderMatchConfig> Headers { get; init; } = EquatableArray<HeaderMatchConfig>.Empty;

    public PathRewriteConfig? Rewrite { get; init; }

    public HeaderTransformConfig RequestHeaders { get; init; } = new();
    public HeaderTransformConfig ResponseHeaders { get; init; } = new();

    /// <summary>Request body limit; null takes <see cref="HttpLimitsConfig.MaxBodyBytes"/>.</summary>
    public long? MaxBodyBytes { get; init; }

    public RouteTimeoutsConfig Timeouts { get; init; } = new();

    /// <summary><c>auth = "api_key"</c>: requests must present a valid key of an enabled consumer.</summary>
    public RouteAuth Auth { get; init; } = RouteAuth.None;

    /// <summary>Token-bucket limits checked for every request on the route, in declaration order.</summary>
    public EquatableArray<RateLimitConfig> RateLimits { get; init; } = EquatableArray<RateLimitConfig>.Empty;

    /// <summary>Null: responses on this route are never cached.</summary>
    public RouteCacheConfig? Cache { get; init; }

    /// <summary>Null: responses on this route are never compressed by the gateway.</summary>
    public RouteCompressionConfig? Compression { get; init; }

    /// <summary>Null: the route takes <c>[cors]</c> as it is; set keys override it (see <see cref="CorsSettings.For"/>).</summary>
    public RouteCorsConfig? Cors { get; init; }

    /// <summary>Null: every request on the route is recorded (when <c>[analytics]</c> is on).</summary>
    public RouteAnalyticsConfig? Analytics { get; init; }
}

/// <summary>A header condition: present (no value) or equal to a value (case-sensitive).</summary>
public sealed record HeaderMatchConfig
{
    public string Name { get; init; } = "";
    public string? Value { get; init; }
}

/// <summary>Path rewrite applied before forwarding.</summary>
public sealed record PathRewriteConfig
{
    /// <summary>Removes this prefix from the path (the result is at least <c>/</c>).</summary>
    public string? StripPrefix { get; init; }

    /// <summary>Prepended after stripping, e.g. strip <c>/v1</c> then add <c>/api/v1</c>.</summary>
    public string? AddPrefix { get; init; }

    /// <summary>Replaces the whole path; may use the route's <c>{param}</c> values.</summary>
    public string? Replace { get; init; }
}

/// <summary>Header edits: <c>set</c> replaces, <c>add</c> appends, <c>remove</c> deletes (names case-insensitive).</summary>
public sealed record HeaderTransformConfig
{
    public EquatableArray<HeaderValueConfig> Set { get; init; } = EquatableArray<HeaderValueConfig>.Empty;
    public EquatableArray<HeaderValueConfig> Add { get; init; } = EquatableArray<HeaderValueConfig>.Empty;
    public EquatableArray<string> Remove { get; init; } = EquatableArray<string>.Empty;
}

public sealed record HeaderValueConfig(string Name, string Value);

/// <summary>Per-route upstream timeouts.</summary>
public sealed record RouteTimeoutsConfig
{
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>From the request being sent until the upstream's response head arrives.</summary>
    public TimeSpan ResponseHeaders { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest silence on either side while a body streams.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whole exchange; zero means no limit (streams, WebSockets).</summary>
    public TimeSpan Total { get; init; } = TimeSpan.Zero;
}
