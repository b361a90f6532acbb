using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>Maps <c>[cache]</c> and the routes' <c>cache</c> and <c>compression</c> tables.</summary>
internal static class CacheConfigMapper
{
    public static CacheSettings MapSettings(TableReader r)
    {
        var defaults = new CacheSettings();
        return r.Finish(new CacheSettings
        {
            MaxBytes = r.Size("max_bytes") ?? defaults.MaxBytes,
            MaxEntryBytes = r.Size("max_entry_bytes") ?? defaults.MaxEntryBytes,
            CompressAbove = r.Size("compress_above") ?? defaults.CompressAbove,
            CoalesceTimeout = r.Duration("coalesce_timeout") ?? defaults.CoalesceTimeout,
        });
    }

    public static RouteCacheConfig MapRouteCache(TableReader r)
    {
        var defaults = new RouteCacheConfig();
        return r.Finish(new RouteCacheConfig
        {
            Ttl = r.Duration("ttl") ?? defaults.Ttl,
            Vary = r.Strings("vary") ?? defaults.Vary,
            Private = r.Boolean("private") ?? defaults.Private,
            IgnoreQuery = r.Strings("ignore_query") ?? defaults.IgnoreQuery,
            SortQuery = r.Boolean("sort_query") ?? defaults.SortQuery,
            AllowClientBypass = r.Boolean("allow_client_bypass") ?? defaults.AllowClientBypass,
            StaleWhileRevalidate = r.Duration("stale_while_revalidate") ?? defaults.StaleWhileRevalidate,
            StaleIfError = r.Duration("stale_if_error") ?? defaults.StaleIfError,
            TagHeader = r.String("tag_header") ?? defaults.TagHeader,
            ShareSetCookie = r.Boolean("share_set_cookie") ?? defaults.ShareSetCookie,
            ShareAuthorized = r.Boolean("share_authorized") ?? defaults.ShareAuthorized,
        });
    }

    public static RouteCompressionConfig MapCompression(TableReader r)
    {
        var defaults = new RouteCompressionConfig();

        // Media types are case-insensitive (RFC 9110 §8.3.1); one case keeps matching a byte compare.
        return r.Finish(new RouteCompressionConfig
        {
            Types = r.Strings("types") is { } types ? Array.ConvertAll(types, t => t.ToLowerInvariant()) : defaults.Types,
            MinSize = r.Size("min_size") ?? defaults.MinSize,
            Codecs = r.Strings("codecs") ?? defaults.Codecs,
        });
    }
}
