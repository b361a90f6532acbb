namespace EdgeProxy.Policy.Config.Validation;

/// <summary>The process-wide access sections: <c>[api_keys]</c>, <c>[rate_limiting]</c> and <c>[quota_store]</c>.</summary>
internal sealed class AccessSettingsValidator : IConfigValidator
{
    // The gateway frames messages and routes by Host; a consumer header must not overwrite any of them.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Host", "Upgrade", "TE", "Trailer", "Keep-Alive",
    };

    public void Validate(ValidationContext context)
    {
        ValidateApiKeys(context, context.Config.ApiKeys);

        const string RateSection = "[rate_limiting]";
        var r = context.Of(context.Config.RateLimiting);
        Checks.Range(context, r, "max_buckets", RateSection, context.Config.RateLimiting.MaxBuckets, 1, int.MaxValue);

        const string QuotaSection = "[quota_store]";
        var store = context.Config.QuotaStore;
        var q = context.Of(store);
        Checks.Positive(context, q, "snapshot_interval", QuotaSection, store.SnapshotInterval);
        if (q.Has("directory") && Checks.Required(context, q, "directory", QuotaSection, store.Directory) && File.Exists(store.Directory))
        {
            context.Error(q.Value("directory"), $"'directory' in {QuotaSection} must name a directory, but {store.Directory} is a file");
        }

        ValidateClusterMode(context, context.Config.ClusterMode);
    }

    private static void ValidateClusterMode(ValidationContext context, ClusterModeConfig cluster)
    {
        const string Section = "[cluster]";
        var p = context.Of(cluster);
        if (cluster.Redis.Length > 0 && ListenAddress.Check(cluster.Redis) is { } problem)
        {
            context.Error(p.Value("redis"), $"'redis' in {Section} must be host:port like \"127.0.0.1:6379\", or \"\" to keep counts local; \"{cluster.Redis}\" is wrong: {problem}");
        }

        if (cluster.SyncInterval < TimeSpan.FromMilliseconds(10) && !p.IsInvalid("sync_interval"))
        {
            context.Error(p.Value("sync_interval"), $"'sync_interval' in {Section} must be at least 10ms, found {cluster.SyncInterval.TotalMilliseconds}ms");
        }

        Checks.Range(context, p, "lease", Section, cluster.Lease, 1, 1_000_000);
        if (cluster.KeyPrefix.Length == 0 || cluster.KeyPrefix.Contains(' ', StringComparison.Ordinal))
        {
            context.Error(p.Value("key_prefix"), $"'key_prefix' in {Section} must be a non-empty word without spaces, found \"{cluster.KeyPrefix}\"");
        }
    }

    private static void ValidateApiKeys(ValidationContext context, ApiKeySettings settings)
    {
        const string Section = "[api_keys]";
        var p = context.Of(settings);
        if (!HttpSyntax.IsToken(settings.Header))
        {
            context.Error(p.Value("header"), $"'header' in {Section} must be a header name (an RFC 9110 token), found \"{settings.Header}\"");
        }
        else if (ReservedHeaders.Contains(settings.Header))
        {
            context.Error(p.Value("header"), $"'header' in {Section} cannot be {settings.Header}; the gateway needs it to frame and route requests");
        }

        if (settings.QueryParameter is { } query && (query.Length == 0 || !IsUnreserved(query)))
        {
            context.Error(p.Value("query_parameter"), $"'query_parameter' in {Section} must be a non-empty name of letters, digits, '-', '.', '_' and '~', found \"{query}\"");
        }

        var forward = settings.ForwardConsumerHeader;
        if (forward.Length == 0)
        {
            return;
        }

        if (!HttpSyntax.IsToken(forward))
        {
            context.Error(p.Value("forward_consumer_header"), $"'forward_consumer_header' in {Section} must be a header name (an RFC 9110 token) or \"\" to forward nothing, found \"{forward}\"");
        }
        else if (ReservedHeaders.Contains(forward))
        {
            context.Error(p.Value("forward_consumer_header"), $"'forward_consumer_header' in {Section} cannot be {forward}; the gateway sets it to frame and route requests");
        }
        else if (string.Equals(forward, settings.Header, StringComparison.OrdinalIgnoreCase))
        {
            context.Error(p.Value("forward_consumer_header"), $"'forward_consumer_header' in {Section} must differ from 'header' ({settings.Header}): the key is stripped from forwarded requests and the consumer id added");
        }
    }

    private static bool IsUnreserved(string name)
    {
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_' or '~'))
            {
                return false;
            }
        }

        return true;
    }
}
