using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[[routes]]</c>: ids, cluster references, match conditions, rewrites, header edits, limits and timeouts.</summary>
internal sealed class RouteValidator : IConfigValidator
{
    private const string Section = "[[routes]]";

    // The gateway owns message framing and the connection; letting a route edit these would let a config
    // typo desynchronise client and upstream about where a message ends.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection",
    };

    public void Validate(ValidationContext context)
    {
        var clusterIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cluster in context.Config.Clusters)
        {
            clusterIds.Add(cluster.Id);
        }

        foreach (var route in context.Config.Routes)
        {
            var p = context.Of(route);
            Checks.Id(context, p, "id", Section, route.Id);
            ValidateCluster(context, route, p, clusterIds);
            var parameters = ValidatePath(context, route, p);
            ValidateHosts(context, route, p);
            ValidateMethods(context, route, p);
            ValidateHeaderMatches(context, route);
            if (route.Rewrite is { } rewrite)
            {
                ValidateRewrite(context, route, rewrite, parameters);
            }

            ValidateTransform(context, route.RequestHeaders, "[routes.request_headers]");
            ValidateTransform(context, route.ResponseHeaders, "[routes.response_headers]");
            if (route.MaxBodyBytes is { } maxBody)
            {
                Checks.NotNegative(context, p, "max_body", Section, maxBody);
            }

            var t = context.Of(route.Timeouts);
            Checks.Positive(context, t, "connect", "[routes.timeouts]", route.Timeouts.Connect);
            Checks.Positive(context, t, "response_headers", "[routes.timeouts]", route.Timeouts.ResponseHeaders);
            Checks.Positive(context, t, "idle", "[routes.timeouts]", route.Timeouts.Idle);
            Checks.NotNegative(context, t, "total", "[routes.timeouts]", route.Timeouts.Total);
        }

        Checks.Unique(context, context.Config.Routes, r => r.Id, "id", "route id", StringComparer.Ordinal);
    }

    private static void ValidateCluster(ValidationContext context, RouteConfig route, RecordPositions p, HashSet<string> clusterIds)
    {
        if (!Checks.Required(context, p, "cluster", Section, route.Cluster) || !context.IsComplete || clusterIds.Contains(route.Cluster))
        {
            return;
        }

        var hint = KeySuggester.Nearest(route.Cluster, clusterIds) is { } nearest ? $"; did you mean '{nearest}'?" : "";
        context.Error(p.Value("cluster"), $"{Checks.Name("route", route.Id)} refers to cluster '{route.Cluster}', which no [[clusters]] entry defines{hint}");
    }

    /// <summary>Returns the path's parameter names, which a rewrite may use.</summary>
    private static List<string> ValidatePath(ValidationContext context, RouteConfig route, RecordPositions p)
    {
        var parameters = new List<string>();
        if (route.Path is not null && route.PathPrefix is not null)
        {
            context.Error(p.Key("path_prefix"), $"{Checks.Name("route", route.Id)} sets both 'path' ({p.Value("path")}) and 'path_prefix'; use exactly one");
        }
        else if (route.Path is null && route.PathPrefix is null)
        {
            if (!p.IsInvalid("path") && !p.IsInvalid("path_prefix"))
            {
                context.Error(p.Header, $"{Checks.Name("route", route.Id)} needs 'path' (exact, or a template like \"/items/{{id}}\") or 'path_prefix' (like \"/api\")");
            }
        }

        if (route.Path is { } path)
        {
            var problem = PathSyntax.Check(path) ?? PathSyntax.ParseTemplate(path, parameters);
            if (problem is not null)
            {
                context.Error(p.Value("path"), $"'path' \"{path}\" in {Section} is not valid: {problem}");
            }
        }

        if (route.PathPrefix is { } prefix)
        {
            var problem = PathSyntax.Check(prefix)
                ?? (prefix.AsSpan().IndexOfAny('{', '}') >= 0 ? "a prefix cannot have {parameters}; use 'path' with a template instead" : null);
            if (problem is not null)
            {
                context.Error(p.Value("path_prefix"), $"'path_prefix' \"{prefix}\" in {Section} is not valid: {problem}");
            }
        }

        return parameters;
    }

    private static void ValidateHosts(ValidationContext context, RouteConfig route, RecordPositions p)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < route.Hosts.Count; i++)
        {
            var host = route.Hosts[i];
            if (!HostNames.IsHostPattern(host))
            {
                var hint = host.Contains(':', StringComparison.Ordinal) ? " (without a port)" : "";
                context.Error(p.Item("hosts", i), $"'hosts' in {Section} must hold host names like \"api.example.com\" or \"*.example.com\"{hint}, found \"{host}\"");
            }
            else if (!seen.Add(host))
            {
                context.Error(p.Item("hosts", i), $"host \"{host}\" appears twice in {Checks.Name("route", route.Id)}");
            }
        }
    }

    private static void ValidateMethods(ValidationContext context, RouteConfig route, RecordPositions p)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < route.Methods.Count; i++)
        {
            var method = route.Methods[i];
            if (!HttpSyntax.IsToken(method))
            {
                context.Error(p.Item("methods", i), $"'methods' in {Section} must hold HTTP method names like \"GET\" (RFC 9110 tokens), found \"{method}\"");
            }
            else if (!seen.Add(method))
            {
                context.Error(p.Item("methods", i), $"method \"{method}\" appears twice in {Checks.Name("route", route.Id)}");
            }
        }
    }

    private static void ValidateHeaderMatches(ValidationContext context, RouteConfig route)
    {
        const string HeadersSection = "[[routes.headers]]";
        foreach (var header in route.Headers)
        {
            var h = context.Of(header);
            if (Checks.Required(context, h, "name", HeadersSection, header.Name) && !HttpSyntax.IsToken(header.Name))
            {
                context.Error(h.Value("name"), $"'name' in {HeadersSection} must be a header name (an RFC 9110 token), found \"{header.Name}\"");
            }

            if (header.Value is { } value && HttpSyntax.IndexOfForbiddenValueChar(value) is var bad and >= 0)
            {
                context.Error(h.Value("value"), $"'value' in {HeadersSection} contains {HttpSyntax.Describe(value[bad])}, which can never appear in a header value");
            }
        }
    }

    private static void ValidateRewrite(ValidationContext context, RouteConfig route, PathRewriteConfig rewrite, List<string> parameters)
    {
        const string RewriteSection = "[routes.rewrite]";
        var r = context.Of(rewrite);
        if (rewrite.Replace is not null && (rewrite.StripPrefix is not null || rewrite.AddPrefix is not null))
        {
            context.Error(r.Key("replace"), $"'replace' in {RewriteSection} sets the whole path, so it cannot be combined with 'strip_prefix' or 'add_prefix'");
        }

        foreach (var (key, value) in new[] { ("strip_prefix", rewrite.StripPrefix), ("add_prefix", rewrite.AddPrefix) })
        {
            if (value is null)
            {
                continue;
            }

            var problem = PathSyntax.Check(value) ?? (value.AsSpan().IndexOfAny('{', '}') >= 0 ? "only 'replace' can use {parameters}" : null);
            if (problem is not null)
            {
                context.Error(r.Value(key), $"'{key}' \"{value}\" in {RewriteSection} is not valid: {problem}");
            }
        }

        if (rewrite.Replace is not { } replace)
        {
            return;
        }

        var used = new List<string>();
        var syntax = PathSyntax.Check(replace) ?? PathSyntax.ParseReplacement(replace, used);
        if (syntax is not null)
        {
            context.Error(r.Value("replace"), $"'replace' \"{replace}\" in {RewriteSection} is not valid: {syntax}");
            return;
        }

        foreach (var name in used)
        {
            if (!parameters.Contains(name))
            {
                var available = parameters.Count == 0
                    ? "the route's path has no parameters"
                    : $"the path defines {string.Join(", ", parameters.Select(n => $"{{{n}}}"))}";
                context.Error(r.Value("replace"), $"'replace' in {RewriteSection} uses {{{name}}}, but {available}");
            }
        }
    }

    private static void ValidateTransform(ValidationContext context, HeaderTransformConfig transform, string section)
    {
        var t = context.Of(transform);
        foreach (var (key, values) in new[] { ("set", transform.Set), ("add", transform.Add) })
        {
            var seen = new Dictionary<string, HeaderValueConfig>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in values)
            {
                var h = context.Of(header);
                var where = $"{section.TrimEnd(']')}.{key}]";
                if (!HttpSyntax.IsToken(header.Name))
                {
                    context.Error(h.Key("name"), $"\"{header.Name}\" in {where} is not a header name (an RFC 9110 token)");
                }
                else if (ReservedHeaders.Contains(header.Name))
                {
                    context.Error(h.Key("name"), $"{where} cannot change {header.Name}; the gateway sets it to frame each message");
                }
                else if (seen.TryGetValue(header.Name, out var first))
                {
                    context.Error(h.Key("name"), $"header {header.Name} appears twice in {where} (header names ignore case; first at {context.Of(first).Key("name")})");
                }
                else
                {
                    seen.Add(header.Name, header);
                }

                if (HttpSyntax.IndexOfForbiddenValueChar(header.Value) is var bad and >= 0)
                {
                    context.Error(h.Value("value"), $"the value of {header.Name} in {where} contains {HttpSyntax.Describe(header.Value[bad])}, which can never appear in a header value");
                }
            }
        }

        for (var i = 0; i < transform.Remove.Count; i++)
        {
            var name = transform.Remove[i];
            if (!HttpSyntax.IsToken(name))
            {
                context.Error(t.Item("remove", i), $"\"{name}\" in 'remove' of {section} is not a header name (an RFC 9110 token)");
            }
            else if (ReservedHeaders.Contains(name))
            {
                context.Error(t.Item("remove", i), $"'remove' in {section} cannot remove {name}; the gateway sets it to frame each message");
            }
        }
    }
}
