namespace EdgeProxy.Policy.Config.Loading;

/// <summary>What one file contributed, before files are merged.</summary>
internal sealed class ConfigFragment
{
    public GatewaySettings? Gateway { get; set; }

    public HttpLimitsConfig? Limits { get; set; }

    public AdminConfig? Admin { get; set; }

    public List<ListenerConfig> Listeners { get; } = [];

    public List<ClusterConfig> Clusters { get; } = [];

    public List<RouteConfig> Routes { get; } = [];

    public ApiKeySettings? ApiKeys { get; set; }

    public RateLimitingConfig? RateLimiting { get; set; }

    public QuotaStoreConfig? QuotaStore { get; set; }

    public ClusterModeConfig? ClusterMode { get; set; }
    public CacheSettings? Cache { get; set; }

    public AnalyticsSettings? Analytics { get; set; }

    public List<ConsumerConfig> Consumers { get; } = [];

    public List<PlanConfig> Plans { get; } = [];

    public List<ApiConfig> Apis { get; } = [];
}
