using EdgeProxy.Policy.Config;
using EdgeProxy.Tests.Config;

namespace EdgeProxy.Tests.Caching;

/// <summary><c>[cache]</c>, route <c>cache</c> and <c>compression</c>: mapping, defaults and every error at its file:line:column.</summary>
public sealed class CacheConfigTests
{
    // Minimal is lines 1-7; the route header is line 8, so a body's first line is 12.
    private static ConfigLoadResult Route(string body) =>
        ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath_prefix = \"/\"\n" + body);

    [Fact]
    public void Absent_sections_give_defaults_and_no_cache_or_compression_on_routes()
    {
        var config = ConfigAssert.Valid(Route(""));

        Assert.Equal(new CacheSettings(), config.Cache);
        Assert.Equal(256L * 1024 * 1024, config.Cache.MaxBytes);
        Assert.Null(config.Routes[0].Cache);
        Assert.Null(config.Routes[0].Compression);
    }

    [Fact]
    public void Every_key_maps()
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("""
            [cache]
            max_bytes = "64MiB"
            max_entry_bytes = "1MiB"
            compress_above = "32KiB"
            coalesce_timeout = "2s"

            [[routes]]
            id = "r"
            cluster = "backend"
            path_prefix = "/"
            auth = "api_key"
            cache = { ttl = "60s", vary = ["Accept-Language"], private = true, ignore_query = ["utm_source"], sort_query = false, allow_client_bypass = true, stale_while_revalidate = "30s", stale_if_error = "1h", tag_header = "Surrogate-Key", share_set_cookie = true, share_authorized = true }
            compression = { types = ["Text/HTML", "application/*"], min_size = "2KiB", codecs = ["gzip", "br"] }
            """));

        Assert.Equal(new CacheSettings { MaxBytes = 64L << 20, MaxEntryBytes = 1L << 20, CompressAbove = 32 << 10, CoalesceTimeout = TimeSpan.FromSeconds(2) }, config.Cache);
        var route = config.Routes[0];
        Assert.Equal(new RouteCacheConfig
        {
            Ttl = TimeSpan.FromSeconds(60),
            Vary = new[] { "Accept-Language" },
            Private = true,
            IgnoreQuery = new[] { "utm_source" },
            SortQuery = false,
            AllowClientBypass = true,
            StaleWhileRevalidate = TimeSpan.FromSeconds(30),
            StaleIfError = TimeSpan.FromHours(1),
            TagHeader = "Surrogate-Key",
            ShareSetCookie = true,
            ShareAuthorized = true,
        }, route.Cache);
        Assert.Equal(new RouteCompressionConfig { Types = new[] { "text/html", "application/*" }, MinSize = 2048, Codecs = new[] { "gzip", "br" } }, route.Compression);
    }

    [Fact]
    public void Empty_route_tables_take_the_defaults()
    {
        var route = ConfigAssert.Valid(Route("cache = {}\ncompression = {}\n")).Routes[0];

        Assert.Equal(new RouteCacheConfig(), route.Cache);
        Assert.True(route.Cache!.SortQuery);
        Assert.Equal(new RouteCompressionConfig(), route.Compression);
        Assert.Equal(["br", "zstd", "gzip"], route.Compression!.Codecs);
    }

    [Fact]
    public void Settings_errors_are_reported_at_their_values()
    {
        var result = ConfigAssert.LoadWithMinimal("""
            [cache]
            max_bytes = "1KiB"
            max_entry_bytes = 10
            compress_above = -1
            coalesce_timeout = "0s"
            """);

        ConfigAssert.Has(result, 9, 13, "'max_bytes' in [cache] must be from 65536");
        ConfigAssert.Has(result, 10, 19, "'max_entry_bytes' in [cache] must be from 1024");
        ConfigAssert.Has(result, 11, 18, "'compress_above' in [cache] must not be negative");
        ConfigAssert.Has(result, 12, 20, "'coalesce_timeout' in [cache] must be greater than zero");
        Assert.Equal(4, result.Errors.Count);
    }

    [Fact]
    public void Entry_bound_larger_than_the_cache_is_an_error()
    {
        var result = ConfigAssert.LoadWithMinimal("[cache]\nmax_bytes = \"1MiB\"\nmax_entry_bytes = \"2MiB\"\n");

        ConfigAssert.Single(result, 10, 19, "'max_entry_bytes' in [cache] (2MiB) is larger than 'max_bytes' (1MiB)");
    }

    [Fact]
    public void Route_cache_errors_are_all_reported()
    {
        var result = Route("""
            cache = { ttl = "-", vary = ["Accept Language", "Host"], private = true, ignore_query = ["a=b", ""], tag_header = "Surrogate Key", stale_if_error = "x", colour = 1 }
            """);

        ConfigAssert.Has(result, 12, 17, "'ttl' in [routes.cache] must be a duration");
        ConfigAssert.Has(result, 12, 30, "'vary' in [routes.cache] must hold header names", "\"Accept Language\"");
        ConfigAssert.Has(result, 12, 49, "cannot name Host");
        ConfigAssert.Has(result, 12, 68, "route 'r' caches per consumer (private = true) but does not identify consumers");
        ConfigAssert.Has(result, 12, 90, "'ignore_query' in [routes.cache] must hold query parameter names", "\"a=b\"");
        ConfigAssert.Has(result, 12, 97, "'ignore_query' in [routes.cache] must hold query parameter names", "\"\"");
        ConfigAssert.Has(result, 12, 115, "'tag_header' in [routes.cache] must be a header name");
        ConfigAssert.Has(result, 12, 149, "'stale_if_error' in [routes.cache] must be a duration");
        ConfigAssert.Has(result, 12, 154, "unknown key 'colour' in [routes.cache]");
        Assert.Equal(9, result.Errors.Count);
    }

    [Fact]
    public void Compression_errors_are_all_reported()
    {
        var result = Route("""
            compression = { types = ["text", "text/html; charset=utf-8", "*/*"], min_size = -5, codecs = ["gzip", "brotli", "gzip"] }
            """);

        ConfigAssert.Has(result, 12, 26, "'types' in [routes.compression] must hold media types", "\"text\"");
        ConfigAssert.Has(result, 12, 34, "\"text/html; charset=utf-8\"");
        ConfigAssert.Has(result, 12, 62, "\"*/*\"");
        ConfigAssert.Has(result, 12, 81, "'min_size' in [routes.compression] must not be negative");
        ConfigAssert.Has(result, 12, 103, "may hold \"br\", \"zstd\" and \"gzip\", found \"brotli\"");
        ConfigAssert.Has(result, 12, 113, "lists \"gzip\" twice");
        Assert.Equal(6, result.Errors.Count);
    }

    [Fact]
    public void Empty_codec_list_is_an_error()
    {
        ConfigAssert.Single(Route("compression = { codecs = [] }\n"), 12, 26, "'codecs' in [routes.compression] must name at least one");
    }

    [Fact]
    public void Cache_section_in_two_files_is_an_error()
    {
        var result = ConfigLoader.LoadFiles([("a.toml", ConfigAssert.Minimal + "[cache]\nmax_bytes = \"1GiB\"\n"), ("b.toml", "[cache]\nmax_bytes = \"2GiB\"\n")]);

        ConfigAssert.Single(result, 1, 1, "[cache] is already defined in a.toml");
    }

    [Fact]
    public void Cache_settings_compare_by_value_so_a_reload_can_keep_the_cache()
    {
        var a = ConfigAssert.Valid(Route("cache = { ttl = \"60s\", vary = [\"Accept\"] }\n")).Routes[0];
        var b = ConfigAssert.Valid(Route("cache = { ttl = \"60s\", vary = [\"Accept\"] }\n")).Routes[0];
        var c = ConfigAssert.Valid(Route("cache = { ttl = \"61s\", vary = [\"Accept\"] }\n")).Routes[0];

        Assert.Equal(a.Cache, b.Cache);
        Assert.NotEqual(a.Cache, c.Cache);
    }
}
