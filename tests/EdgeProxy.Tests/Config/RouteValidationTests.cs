using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary><c>[[routes]]</c>. Snippets start on line 8 (after <see cref="ConfigAssert.Minimal"/>), so a route's header is line 8.</summary>
public sealed class RouteValidationTests
{
    private static ConfigLoadResult Route(string body) =>
        ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backend\"\n" + body);

    [Fact]
    public void A_complete_route_maps_every_key()
    {
        var config = ConfigAssert.Valid(Route("""
            path = "/users/{id}/posts/{post}"
            hosts = ["API.Example.com", "*.example.org"]
            methods = ["get", "Post"]
            headers = [{ name = "X-Tenant", value = "blue" }, { name = "Authorization" }]
            rewrite = { replace = "/v2/{id}/{post}.json" }
            request_headers = { set = { "X-B" = "2", "X-A" = "1" }, add = { "Via-Extra" = "x" }, remove = ["X-Debug"] }
            response_headers = { remove = ["Server"] }
            max_body = "2MiB"
            timeouts = { connect = "1s", response_headers = "5s", idle = "10s", total = "1m" }
            """));

        var route = Assert.Single(config.Routes);
        Assert.Equal(new RouteConfig
        {
            Id = "r",
            Cluster = "backend",
            Path = "/users/{id}/posts/{post}",
            Hosts = new[] { "api.example.com", "*.example.org" },
            Methods = new[] { "GET", "POST" },
            Headers = new[] { new HeaderMatchConfig { Name = "X-Tenant", Value = "blue" }, new HeaderMatchConfig { Name = "Authorization" } },
            Rewrite = new PathRewriteConfig { Replace = "/v2/{id}/{post}.json" },
            RequestHeaders = new HeaderTransformConfig
            {
                Set = new[] { new HeaderValueConfig("X-B", "2"), new HeaderValueConfig("X-A", "1") },
                Add = new[] { new HeaderValueConfig("Via-Extra", "x") },
                Remove = new[] { "X-Debug" },
            },
            ResponseHeaders = new HeaderTransformConfig { Remove = new[] { "Server" } },
            MaxBodyBytes = 2 * 1024 * 1024,
            Timeouts = new RouteTimeoutsConfig
            {
                Connect = TimeSpan.FromSeconds(1),
                ResponseHeaders = TimeSpan.FromSeconds(5),
                Idle = TimeSpan.FromSeconds(10),
                Total = TimeSpan.FromMinutes(1),
            },
        }, route);
    }

    [Fact]
    public void Header_tables_written_as_sections_keep_declaration_order()
    {
        var config = ConfigAssert.Valid(Route("""
            path_prefix = "/"
            [routes.response_headers.set]
            Z-Last = "z"
            A-First = "a"
            M-Middle = "m"
            """));

        Assert.Equal(["Z-Last", "A-First", "M-Middle"], config.Routes[0].ResponseHeaders.Set.Select(h => h.Name));
    }

    [Fact]
    public void Unknown_cluster_is_an_error_with_a_suggestion()
    {
        var result = ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backnd\"\npath = \"/\"\n");

        ConfigAssert.Single(result, 10, 11, "route 'r' refers to cluster 'backnd', which no [[clusters]] entry defines; did you mean 'backend'?");
    }

    [Fact]
    public void Cluster_defined_in_another_file_is_found()
    {
        var result = ConfigLoader.LoadFiles([
            ("routes.toml", "[[routes]]\nid = \"r\"\ncluster = \"other\"\npath = \"/\"\n"),
            ("main.toml", ConfigAssert.Minimal + "[[clusters]]\nid = \"other\"\nendpoints = [\"http://b:80\"]\n"),
        ]);

        ConfigAssert.Valid(result);
    }

    [Fact]
    public void Id_and_cluster_are_required()
    {
        var result = ConfigAssert.LoadWithMinimal("[[routes]]\npath = \"/\"\n");

        Assert.Equal(2, result.Errors.Count);
        ConfigAssert.Has(result, 8, 1, "missing key 'id' in [[routes]]");
        ConfigAssert.Has(result, 8, 1, "missing key 'cluster' in [[routes]]");
    }

    [Fact]
    public void Exactly_one_of_path_and_path_prefix()
    {
        var both = Route("path = \"/a\"\npath_prefix = \"/b\"\n");
        var neither = Route("methods = [\"GET\"]\n");

        ConfigAssert.Single(both, 12, 1, "sets both 'path' (test.toml:11:8) and 'path_prefix'; use exactly one");
        ConfigAssert.Single(neither, 8, 1, "route 'r' needs 'path'", "or 'path_prefix'");
    }

    [Theory]
    [InlineData("items", "must start with '/'")]
    [InlineData("/items?x=1", "'?'")]
    [InlineData("/items#x", "'#'")]
    [InlineData("/it ems", "a space")]
    [InlineData("/caf\u00e9", "non-ASCII")]
    [InlineData("/items/x{id}", "a parameter must be a whole segment")]
    [InlineData("/items/{id}x", "a parameter must be a whole segment")]
    [InlineData("/items/{id}/{id}", "'{id}' appears twice")]
    [InlineData("/items/{1st}", "'{1st}' is not a parameter name")]
    [InlineData("/items/{}", "'{}' is not a parameter name")]
    [InlineData("/items/{a-b}", "'{a-b}' is not a parameter name")]
    [InlineData("/items/{a", "a parameter must be a whole segment")]
    public void Invalid_paths(string path, string problem)
    {
        var result = Route($"path = \"{path}\"\n");

        ConfigAssert.Single(result, 11, 8, $"'path' \"{path}\" in [[routes]] is not valid", problem);
    }

    [Theory]
    [InlineData("api", "must start with '/'")]
    [InlineData("/api/{v}", "a prefix cannot have {parameters}")]
    [InlineData("/api\t", "a tab")]
    public void Invalid_path_prefixes(string prefix, string problem)
    {
        var result = Route($"path_prefix = \"{prefix.Replace("\t", "\\t", StringComparison.Ordinal)}\"\n");

        ConfigAssert.Single(result, 11, 15, "'path_prefix'", problem);
    }

    [Fact]
    public void Methods_must_be_tokens_without_duplicates()
    {
        var result = Route("path = \"/\"\nmethods = [\"GET\", \"get\", \"NOT A METHOD\", \"\"]\n");

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 12, 19, "method \"GET\" appears twice in route 'r'");
        ConfigAssert.Has(result, 12, 26, "must hold HTTP method names", "\"NOT A METHOD\"");
        ConfigAssert.Has(result, 12, 42, "must hold HTTP method names", "\"\"");
    }

    [Theory]
    [InlineData("api.example.com")]
    [InlineData("*.example.com")]
    [InlineData("*")]
    [InlineData("localhost")]
    [InlineData("my_service")]
    public void Valid_hosts(string host)
    {
        ConfigAssert.Valid(Route($"path = \"/\"\nhosts = [\"{host}\"]\n"));
    }

    [Theory]
    [InlineData("api.example.com:8080", "(without a port)")]
    [InlineData("*.", "\"*.\"")]
    [InlineData("a..b", "\"a..b\"")]
    [InlineData("-a.com", "\"-a.com\"")]
    [InlineData("api.*.com", "\"api.*.com\"")]
    [InlineData("", "\"\"")]
    [InlineData("[::1]", "\"[::1]\"")]
    public void Invalid_hosts(string host, string shown)
    {
        var result = Route($"path = \"/\"\nhosts = [\"{host}\"]\n");

        ConfigAssert.Single(result, 12, 10, "'hosts' in [[routes]] must hold host names", shown);
    }

    [Fact]
    public void Duplicate_hosts_ignore_case()
    {
        var result = Route("path = \"/\"\nhosts = [\"a.com\", \"A.com\"]\n");

        ConfigAssert.Single(result, 12, 19, "host \"a.com\" appears twice");
    }

    [Fact]
    public void Header_conditions_need_token_names_and_clean_values()
    {
        var result = Route("path = \"/\"\nheaders = [{ name = \"X Tenant\" }, { value = \"x\" }, { name = \"X-Ok\", value = \"a\\r\\nInjected: 1\" }, { name = \"X-Ok\", vlaue = \"a\" }]\n");

        Assert.Equal(4, result.Errors.Count);
        ConfigAssert.Has(result, 12, 21, "'name' in [[routes.headers]] must be a header name", "\"X Tenant\"");
        ConfigAssert.Has(result, 12, 35, "missing key 'name' in [[routes.headers]]");
        ConfigAssert.Has(result, 12, 77, "'value' in [[routes.headers]] contains a carriage return");
        ConfigAssert.Has(result, 12, 116, "unknown key 'vlaue' in [[routes.headers]]; did you mean 'value'?");
    }

    [Fact]
    public void Replace_may_only_use_the_paths_parameters()
    {
        var unknown = Route("path = \"/items/{id}\"\nrewrite = { replace = \"/v2/{item}\" }\n");
        var prefix = Route("path_prefix = \"/items\"\nrewrite = { replace = \"/v2/{id}\" }\n");
        var ok = Route("path = \"/items/{id}\"\nrewrite = { replace = \"/v2/items-{id}.json\" }\n");

        ConfigAssert.Single(unknown, 12, 23, "'replace' in [routes.rewrite] uses {item}, but the path defines {id}");
        ConfigAssert.Single(prefix, 12, 23, "uses {id}, but the route's path has no parameters");
        ConfigAssert.Valid(ok);
    }

    [Fact]
    public void Rewrite_values_are_paths_and_replace_stands_alone()
    {
        var result = Route("path_prefix = \"/a\"\nrewrite = { strip_prefix = \"a\", add_prefix = \"/{x}\", replace = \"/b/{\" }\n");

        Assert.Equal(4, result.Errors.Count);
        ConfigAssert.Has(result, 12, 28, "'strip_prefix' \"a\"", "must start with '/'");
        ConfigAssert.Has(result, 12, 46, "'add_prefix'", "only 'replace' can use {parameters}");
        ConfigAssert.Has(result, 12, 54, "'replace' in [routes.rewrite] sets the whole path");
        ConfigAssert.Has(result, 12, 64, "'replace' \"/b/{\"", "has no partner");
    }

    [Fact]
    public void Header_transforms_are_checked()
    {
        var result = Route("path = \"/\"\n" +
            "request_headers = { set = { \"Bad Name\" = \"v\", \"X-A\" = \"a\\nb\", \"x-a\" = \"c\" }, remove = [\"Content-Length\", \"ok\"] }\n" +
            "response_headers = { add = { \"Transfer-Encoding\" = \"chunked\", \"X-N\" = 5 } }\n");

        Assert.Equal(6, result.Errors.Count);
        ConfigAssert.Has(result, 12, 29, "\"Bad Name\" in [routes.request_headers.set] is not a header name");
        ConfigAssert.Has(result, 12, 55, "the value of X-A in [routes.request_headers.set] contains a line feed");
        ConfigAssert.Has(result, 12, 63, "header x-a appears twice in [routes.request_headers.set] (header names ignore case; first at test.toml:12:47)");
        ConfigAssert.Has(result, 12, 88, "'remove' in [routes.request_headers] cannot remove Content-Length");
        ConfigAssert.Has(result, 13, 30, "[routes.response_headers.add] cannot change Transfer-Encoding");
        ConfigAssert.Has(result, 13, 71, "header 'X-N' in [routes.response_headers.add] must be set to a string, found the integer 5");
    }

    [Fact]
    public void Body_limit_and_timeouts_are_checked()
    {
        var result = Route("path = \"/\"\nmax_body = -5\ntimeouts = { connect = \"0s\", response_headers = 0, idle = \"1x\", total = \"0s\", retry = 1 }\n");

        Assert.Equal(5, result.Errors.Count);
        ConfigAssert.Has(result, 12, 12, "'max_body' in [[routes]] must not be negative, found -5");
        ConfigAssert.Has(result, 13, 24, "'connect' in [routes.timeouts] must be greater than zero, found 0s");
        ConfigAssert.Has(result, 13, 49, "'response_headers' in [routes.timeouts] must be greater than zero");
        ConfigAssert.Has(result, 13, 59, "'idle' in [routes.timeouts] must be a duration");
        ConfigAssert.Has(result, 13, 79, "unknown key 'retry' in [routes.timeouts]");
    }

    [Fact]
    public void Route_ids_are_unique()
    {
        var result = ConfigAssert.LoadWithMinimal(
            "[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath = \"/a\"\n" +
            "[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath = \"/b\"\n");

        ConfigAssert.Single(result, 13, 6, "duplicate route id \"r\"; it is already used at test.toml:9:6");
    }

    [Fact]
    public void Identical_match_conditions_are_an_error_at_the_second_route()
    {
        var result = ConfigAssert.LoadWithMinimal(
            "[[routes]]\nid = \"a\"\ncluster = \"backend\"\npath = \"/items/{id}\"\nmethods = [\"GET\", \"POST\"]\nhosts = [\"x.com\"]\n" +
            "[[routes]]\nid = \"b\"\ncluster = \"backend\"\npath = \"/items/{key}\"\nmethods = [\"post\", \"get\"]\nhosts = [\"X.com\"]\n");

        ConfigAssert.Single(result, 14, 1, "route 'b' matches exactly the same requests as route 'a' at test.toml:8:1");
    }

    [Fact]
    public void Routes_differing_in_any_condition_do_not_conflict()
    {
        var result = ConfigAssert.LoadWithMinimal(
            "[[routes]]\nid = \"a\"\ncluster = \"backend\"\npath_prefix = \"/api\"\n" +
            "[[routes]]\nid = \"b\"\ncluster = \"backend\"\npath = \"/api\"\n" +
            "[[routes]]\nid = \"c\"\ncluster = \"backend\"\npath_prefix = \"/api\"\nmethods = [\"GET\"]\n" +
            "[[routes]]\nid = \"d\"\ncluster = \"backend\"\npath_prefix = \"/api\"\nheaders = [{ name = \"X-Beta\" }]\n" +
            "[[routes]]\nid = \"e\"\ncluster = \"backend\"\npath_prefix = \"/api\"\nhosts = [\"*.example.com\"]\n");

        ConfigAssert.Valid(result);
    }

    [Fact]
    public void Prefix_with_trailing_slash_conflicts_with_the_same_prefix_without()
    {
        var result = ConfigAssert.LoadWithMinimal(
            "[[routes]]\nid = \"a\"\ncluster = \"backend\"\npath_prefix = \"/api\"\n" +
            "[[routes]]\nid = \"b\"\ncluster = \"backend\"\npath_prefix = \"/api/\"\n");

        ConfigAssert.Single(result, 12, 1, "route 'b' matches exactly the same requests as route 'a'");
    }
}
