using System.Text;
using EdgeProxy.Observability;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;
using EdgeProxy.Upstreams;

namespace EdgeProxy.Routing;

/// <summary>
/// A route as the request path uses it: every value parsed and encoded at config-compile time, so a request
/// only compares bytes and walks arrays.
/// </summary>
internal sealed class CompiledRoute
{
    public CompiledRoute(RouteConfig config, int order, UpstreamCluster cluster, long defaultMaxBody, RouteMetrics metrics, RateLimit[]? rateLimits = null,
        RouteLifecycle? lifecycle = null)
    {
        Config = config;
        Order = order;
        Id = config.Id;
        Cluster = cluster;
        Path = config.PathPrefix is { } prefix ? PathPattern.Prefix(prefix) : PathPattern.Parse(config.Path ?? "/");
        Methods = new byte[config.Methods.Count][];
        for (var i = 0; i < Methods.Length; i++)
        {
            Methods[i] = Encoding.ASCII.GetBytes(config.Methods[i]);
        }

        HeaderConditions = new (byte[], byte[]?)[config.Headers.Count];
        for (var i = 0; i < HeaderConditions.Length; i++)
        {
            var h = config.Headers[i];
            HeaderConditions[i] = (Encoding.ASCII.GetBytes(h.Name), h.Value is null ? null : Encoding.UTF8.GetBytes(h.Value));
        }

        Rewrite = PathRewrite.Compile(config.Rewrite, Path.ParameterNames);
        RequestHeaders = HeaderTransform.Compile(config.RequestHeaders);
        // Lifecycle headers ride on the route's own response edits, so forwarded and cached responses both carry them.
        ResponseHeaders = HeaderTransform.Compile(config.ResponseHeaders).WithSet(lifecycle?.ResponseHeaders ?? []);
        MaxBodyBytes = config.MaxBodyBytes ?? defaultMaxBody;
        Timeouts = config.Timeouts;
        Metrics = metrics;
        RequiresApiKey = config.Auth == RouteAuth.ApiKey;
        RateLimits = rateLimits ?? [];
        HasAccessPolicy = RequiresApiKey || RateLimits.Length > 0;
        Lifecycle = lifecycle;
        ApiIndex = lifecycle?.ApiIndex ?? -1;
        IsDraft = lifecycle?.State == ApiVersionState.Draft;
        IsRetired = lifecycle?.State == ApiVersionState.Retired;
        Cache = config.Cache is { } cache ? new Caching.RouteCachePolicy(config.Id, cache) : null;
        Compression = config.Compression is { } compression ? new Compression.CompressionPolicy(compression) : null;
        Analytics = new Analytics.RouteAnalytics(config, lifecycle);
    }

    public RouteConfig Config { get; }

    public string Id { get; }

    /// <summary>Declaration order across all files: the last tie-breaker of the precedence rule.</summary>
    public int Order { get; }

    public UpstreamCluster Cluster { get; }

    public PathPattern Path { get; }

    public byte[][] Methods { get; }

    public (byte[] Name, byte[]? Value)[] HeaderConditions { get; }

    public PathRewrite? Rewrite { get; }

    public HeaderTransform RequestHeaders { get; }

    public HeaderTransform ResponseHeaders { get; }

    public long MaxBodyBytes { get; }

    public RouteTimeoutsConfig Timeouts { get; }

    public RouteMetrics Metrics { get; }

    /// <summary><c>auth = "api_key"</c>: requests name a consumer with a key.</summary>
    public bool RequiresApiKey { get; }

    /// <summary>The route's own limits, bound to the long-lived buckets; the consumer's plan adds its own.</summary>
    public RateLimit[] RateLimits { get; }

    /// <summary>The access step runs for this route (a key, or limits to take from).</summary>
    public bool HasAccessPolicy { get; }

    /// <summary>The API version the route serves; null for a route that belongs to no API.</summary>
    public RouteLifecycle? Lifecycle { get; }

    /// <summary>Index of the route's API (the slot of a consumer's grants); -1 for a route of no API, open to every valid key.</summary>
    public int ApiIndex { get; }

    /// <summary>A draft version: only consumers tagged <c>tester</c> see it; to everyone else it answers 404 as if absent.</summary>
    public bool IsDraft { get; }

    /// <summary>A retired version: 410 without contacting the upstream.</summary>
    public bool IsRetired { get; }

    /// <summary>Null: the route's responses are never cached.</summary>
    public Caching.RouteCachePolicy? Cache { get; }

    /// <summary>Null: the route's responses are never compressed.</summary>
    public Compression.CompressionPolicy? Compression { get; }

    /// <summary>The route's analytics name and sampling.</summary>
    public Analytics.RouteAnalytics Analytics { get; }

    /// <summary>Constraints beyond host and path; routes with more are tried first among equal paths.</summary>
    public int ConstraintCount => (Methods.Length > 0 ? 1 : 0) + HeaderConditions.Length;
}
