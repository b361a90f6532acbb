namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[cache]</c> and each route's <c>cache</c> and <c>compression</c> tables.</summary>
internal sealed class CacheValidator : IConfigValidator
{
    private const string RouteCacheSection = "[routes.cache]";
    private const string CompressionSection = "[routes.compression]";

    /// <summary>Codec names as they appear in Accept-Encoding / Content-Encoding.</summary>
    public static readonly string[] KnownCodecs = ["br", "zstd", "gzip"];

    // Headers that are part of every key already or that would make every request a different entry.
    private static readonly HashSet<string> UselessVary = new(StringComparer.OrdinalIgnoreCase) { "Host", "Content-Length", "Connection", "Transfer-Encoding" };

    public void Validate(ValidationContext context)
    {
        ValidateSettings(context, context.Config.Cache);
        foreach (var route in context.Config.Routes)
        {
            if (route.Cache is { } cache)
            {
                ValidateRouteCache(context, route, cache);
            }

            if (route.Compression is { } compression)
            {
                ValidateCompression(context, compression);
            }
        }
    }

    private static void ValidateSettings(ValidationContext context, CacheSettings settings)
    {
        const string Section = "[cache]";
        var p = context.Of(settings);
        Checks.Range(context, p, "max_bytes", Section, settings.MaxBytes, 64 * 1024, long.MaxValue);
        Checks.Range(context, p, "max_entry_bytes", Section, settings.MaxEntryBytes, 1024, int.MaxValue);
        if (settings.MaxEntryBytes > settings.MaxBytes && !p.IsInvalid("max_entry_bytes") && !p.IsInvalid("max_bytes"))
        {
            context.Error(p.Value("max_entry_bytes"), $"'max_entry_bytes' in {Section} ({SizeParser.Format(settings.MaxEntryBytes)}) is larger than 'max_bytes' ({SizeParser.Format(settings.MaxBytes)}); no entry that large could be kept");
        }

        Checks.NotNegative(context, p, "compress_above", Section, settings.CompressAbove);
        Checks.Positive(context, p, "coalesce_timeout", Section, settings.CoalesceTimeout);
    }

    private static void ValidateRouteCache(ValidationContext context, RouteConfig route, RouteCacheConfig cache)
    {
        var p = context.Of(cache);
        Checks.NotNegative(context, p, "ttl", RouteCacheSection, cache.Ttl);
        Checks.NotNegative(context, p, "stale_while_revalidate", RouteCacheSection, cache.StaleWhileRevalidate);
        Checks.NotNegative(context, p, "stale_if_error", RouteCacheSection, cache.StaleIfError);
        for (var i = 0; i < cache.Vary.Count; i++)
        {
            var name = cache.Vary[i];
            if (!HttpSyntax.IsToken(name))
            {
                context.Error(p.Item("vary", i), $"'vary' in {RouteCacheSection} must hold header names (RFC 9110 tokens), found \"{name}\"");
            }
            else if (UselessVary.Contains(name))
            {
                context.Error(p.Item("vary", i), $"'vary' in {RouteCacheSection} cannot name {name}: {(name.Equals("Host", StringComparison.OrdinalIgnoreCase) ? "the host is always part of the key" : "it describes the message, not the variant asked for")}");
            }
        }

        for (var i = 0; i < cache.IgnoreQuery.Count; i++)
        {
            var name = cache.IgnoreQuery[i];
            if (name.Length == 0 || name.AsSpan().IndexOfAny('&', '=', '#') >= 0 || name.AsSpan().IndexOfAny(' ', '\t') >= 0)
            {
                context.Error(p.Item("ignore_query", i), $"'ignore_query' in {RouteCacheSection} must hold query parameter names (no '&', '=', '#' or spaces), found \"{name}\"");
            }
        }

        if (cache.TagHeader.Length > 0 && !HttpSyntax.IsToken(cache.TagHeader))
        {
            context.Error(p.Value("tag_header"), $"'tag_header' in {RouteCacheSection} must be a header name (an RFC 9110 token) or \"\" for no tags, found \"{cache.TagHeader}\"");
        }

        if (cache.Private && route.Auth != RouteAuth.ApiKey && !context.Of(route).IsInvalid("auth"))
        {
            context.Error(p.Value("private"), $"{Checks.Name("route", route.Id)} caches per consumer (private = true) but does not identify consumers; add auth = \"api_key\" to the route");
        }
    }

    private static void ValidateCompression(ValidationContext context, RouteCompressionConfig compression)
    {
        var p = context.Of(compression);
        Checks.NotNegative(context, p, "min_size", CompressionSection, compression.MinSize);
        for (var i = 0; i < compression.Types.Count; i++)
        {
            if (!IsMediaRange(compression.Types[i]))
            {
                context.Error(p.Item("types", i), $"'types' in {CompressionSection} must hold media types like \"text/html\" or \"text/*\" (no parameters), found \"{compression.Types[i]}\"");
            }
        }

        if (compression.Codecs.Count == 0 && p.Has("codecs") && !p.IsInvalid("codecs"))
        {
            context.Error(p.Value("codecs"), $"'codecs' in {CompressionSection} must name at least one of \"br\", \"zstd\", \"gzip\"; remove the compression table to turn compression off");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < compression.Codecs.Count; i++)
        {
            var codec = compression.Codecs[i];
            if (Array.IndexOf(KnownCodecs, codec) < 0)
            {
                var hint = Loading.KeySuggester.Nearest(codec, KnownCodecs) is { } nearest ? $"; did you mean \"{nearest}\"?" : "";
                context.Error(p.Item("codecs", i), $"'codecs' in {CompressionSection} may hold \"br\", \"zstd\" and \"gzip\", found \"{codec}\"{hint}");
            }
            else if (!seen.Add(codec))
            {
                context.Error(p.Item("codecs", i), $"'codecs' in {CompressionSection} lists \"{codec}\" twice");
            }
        }
    }

    /// <summary><c>type/subtype</c> or <c>type/*</c>, both RFC 9110 tokens.</summary>
    private static bool IsMediaRange(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == value.Length - 1)
        {
            return false;
        }

        var type = value[..slash];
        var subtype = value[(slash + 1)..];
        return type != "*" && HttpSyntax.IsToken(type) && (subtype == "*" || HttpSyntax.IsToken(subtype));
    }
}
