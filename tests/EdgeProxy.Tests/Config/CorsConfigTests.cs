using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary><c>[cors]</c> defaults, route <c>cors</c> tables, how they combine, and their errors with positions.</summary>
public sealed class CorsConfigTests
{
    // Minimal is lines 1-7; "[[routes]]" starts on line 8 and the body passed here on line 12.
    private static ConfigLoadResult Route(string body, string settings = "") =>
        ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath_prefix = \"/\"\n" + body + "\n" + settings);

    [Fact]
    public void A_route_table_maps_every_key_and_lays_over_the_defaults()
    {
        var config = ConfigAssert.Valid(Route(
            """
            cors = { origins = ["HTTP://127.0.0.1:9900"], methods = ["get", "POST"], headers = ["X-Api-Key", "Content-Type"], expose_headers = ["RateLimit", "X-Request-Id"], max_age = "5m" }
            """,
            """
            [cors]
            origins = ["https://portal.example.com"]
            credentials = true
            max_age = "1h"
            """));

        var route = config.Routes[0].Cors!;
        Assert.Equal(new EquatableArray<string>(["http://127.0.0.1:9900"]), route.Origins);
        Assert.Equal(new EquatableArray<string>(["GET", "POST"]), route.Methods);
        Assert.Null(route.Credentials);

        var effective = config.Cors.For(route)!;
        Assert.Equal(new EquatableArray<string>(["http://127.0.0.1:9900"]), effective.Origins);
        Assert.Equal(new EquatableArray<string>(["X-Api-Key", "Content-Type"]), effective.Headers);
        Assert.Equal(new EquatableArray<string>(["RateLimit", "X-Request-Id"]), effective.ExposeHeaders);
        Assert.True(effective.Credentials);
        Assert.Equal(TimeSpan.FromMinutes(5), effective.MaxAge);
    }

    [Fact]
    public void Defaults_apply_to_routes_without_a_table_and_empty_origins_turn_cors_off()
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("""
            [cors]
            origins = ["*"]

            [[routes]]
            id = "open"
            cluster = "backend"
            path = "/open"

            [[routes]]
            id = "closed"
            cluster = "backend"
            path = "/closed"
            cors = { origins = [] }
            """));

        var open = config.Cors.For(config.Routes[0].Cors)!;
        Assert.Equal(new EquatableArray<string>(["*"]), open.Origins);
        Assert.Equal(CorsSettings.DefaultMethods, open.Methods);
        Assert.Equal(TimeSpan.FromMinutes(10), open.MaxAge);
        Assert.Null(config.Cors.For(config.Routes[1].Cors));
        Assert.Null(new CorsSettings().For(null));
    }

    [Fact]
    public void Bad_values_are_all_reported_at_their_items()
    {
        var result = Route("""
            cors = { origins = ["http://a.example/", "https://b.example:99999", "https://c.example", "https://c.example", "null"], methods = ["GE T"], headers = ["X Api"], expose_headers = ["Rate:Limit"], max_age = "48h", colour = "red" }
            """);

        Assert.Null(result.Config);
        ConfigAssert.Has(result, 12, 21, "'origins' in [routes.cors] must hold origins", "\"http://a.example/\"");
        ConfigAssert.Has(result, 12, 42, "\"https://b.example:99999\"");
        ConfigAssert.Has(result, 12, 90, "lists \"https://c.example\" twice");
        ConfigAssert.Has(result, 12, 111, "\"null\"");
        ConfigAssert.Has(result, 12, 131, "'methods' in [routes.cors] must hold method names");
        ConfigAssert.Has(result, 12, 151, "'headers' in [routes.cors] must hold header names");
        ConfigAssert.Has(result, 12, 179, "'expose_headers' in [routes.cors]");
        ConfigAssert.Has(result, 12, 204, "'max_age' in [routes.cors] may be at most 24h");
        ConfigAssert.HasMessage(result, "colour");
    }

    [Fact]
    public void Credentials_with_a_wildcard_is_refused_where_the_route_set_it()
    {
        var result = Route(
            """
            cors = { origins = ["*"] }
            """,
            """
            [cors]
            origins = ["https://portal.example.com"]
            credentials = true
            """);

        ConfigAssert.Single(result, 12, 21, "route 'r'", "credentials = true", "\"*\" in 'origins'");
    }

    [Fact]
    public void Credentials_with_a_wildcard_in_the_defaults_is_refused_at_the_defaults()
    {
        var result = ConfigAssert.LoadWithMinimal("""
            [cors]
            origins = ["https://portal.example.com"]
            headers = ["*"]
            credentials = true
            """);

        ConfigAssert.Single(result, 10, 12, "[cors] allows credentials", "\"*\" in 'headers'");
    }

    [Fact]
    public void Cors_may_be_defined_in_one_file_only()
    {
        var result = ConfigLoader.LoadFiles([("a.toml", ConfigAssert.Minimal + "[cors]\norigins = [\"*\"]\n"), ("b.toml", "[cors]\norigins = [\"*\"]\n")]);
        ConfigAssert.HasMessage(result, "[cors] is already defined in");
    }
}
