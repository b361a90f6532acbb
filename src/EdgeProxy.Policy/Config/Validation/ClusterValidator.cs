using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[[clusters]]</c>: ids, endpoint URLs, pool settings and upstream TLS.</summary>
internal sealed class ClusterValidator : IConfigValidator
{
    private const string Section = "[[clusters]]";
    private const string TlsSection = "[clusters.tls]";

    public void Validate(ValidationContext context)
    {
        foreach (var cluster in context.Config.Clusters)
        {
            var p = context.Of(cluster);
            Checks.Id(context, p, "id", Section, cluster.Id);
            ValidateEndpoints(context, cluster, p);
            Checks.NotNegative(context, p, "max_idle_connections", Section, cluster.MaxIdleConnections);
            Checks.Positive(context, p, "idle_timeout", Section, cluster.IdleTimeout);
            if (cluster.Tls is { } tls)
            {
                ValidateTls(context, cluster, tls);
            }
        }

        Checks.Unique(context, context.Config.Clusters, c => c.Id, "id", "cluster id", StringComparer.Ordinal);
    }

    private static void ValidateEndpoints(ValidationContext context, ClusterConfig cluster, RecordPositions p)
    {
        if (cluster.Endpoints.Count == 0)
        {
            if (!p.IsInvalid("endpoints"))
            {
                context.Error(p.Value("endpoints"), $"{Checks.Name("cluster", cluster.Id)} needs at least one URL in 'endpoints', e.g. endpoints = [\"http://127.0.0.1:9001\"]");
            }

            return;
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < cluster.Endpoints.Count; i++)
        {
            var endpoint = cluster.Endpoints[i];
            var at = p.Item("endpoints", i);
            if (CheckEndpoint(endpoint) is { } problem)
            {
                context.Error(at, $"endpoint \"{endpoint}\" in {Section} must be an absolute http:// or https:// URL with a host and no path, like \"http://10.0.0.5:8080\": {problem}");
                continue;
            }

            if (!seen.TryAdd(endpoint.TrimEnd('/'), i))
            {
                context.Error(at, $"endpoint \"{endpoint}\" appears twice in {Checks.Name("cluster", cluster.Id)} (first at {p.Item("endpoints", seen[endpoint.TrimEnd('/')])})");
            }
        }
    }

    private static string? CheckEndpoint(string endpoint)
    {
        if (!endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return "the scheme must be http:// or https://";
        }

        foreach (var c in endpoint)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"it contains {HttpSyntax.Describe(c)}";
            }
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            return "it is not a valid URL";
        }

        if (uri.Host.Length == 0)
        {
            return "the host is missing";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "credentials in the URL are not supported";
        }

        // The raw text decides: Uri would normalise "/a/.." to "/" and drop an empty "?".
        var authorityEnd = endpoint.IndexOfAny(['/', '?', '#'], endpoint.IndexOf("//", StringComparison.Ordinal) + 2);
        var rest = authorityEnd < 0 ? "" : endpoint[authorityEnd..];
        if (rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            return "a query or fragment is not allowed";
        }

        if (rest.Length > 1)
        {
            return $"the path '{rest}' is not allowed; use a route's rewrite.add_prefix to forward under a path";
        }

        return null;
    }

    private static void ValidateTls(ValidationContext context, ClusterConfig cluster, UpstreamTlsConfig tls)
    {
        var p = context.Of(tls);
        var clusterPositions = context.Of(cluster);
        for (var i = 0; i < cluster.Endpoints.Count; i++)
        {
            if (cluster.Endpoints[i].StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                context.Error(clusterPositions.Item("endpoints", i), $"endpoint \"{cluster.Endpoints[i]}\" is plain http, but {Checks.Name("cluster", cluster.Id)} has a tls table ({p.Header}); use https:// or remove the tls table");
            }
        }

        if (tls.ServerName is { } serverName && !HostNames.IsDnsName(serverName))
        {
            context.Error(p.Value("server_name"), $"'server_name' in {TlsSection} must be a host name like \"api.internal\", found \"{serverName}\"");
        }

        Checks.ExistingFile(context, p, "ca", TlsSection, tls.CaFile, required: false);
        Checks.ExistingFile(context, p, "client_certificate", TlsSection, tls.ClientCertificateFile, required: tls.ClientKeyFile is not null);
        Checks.ExistingFile(context, p, "client_key", TlsSection, tls.ClientKeyFile, required: tls.ClientCertificateFile is not null);
    }
}
