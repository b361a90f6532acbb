using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>Route <c>auth</c> and <c>rate_limits</c>, <c>[api_keys]</c>, <c>[rate_limiting]</c>, <c>[quota_store]</c>, rates and instants.</summary>
public sealed class RateLimitConfigTests
{
    private static ConfigLoadResult Route(string body) =>
        ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath_prefix = \"/\"\n" + body);

    [Fact]
    public void Route_limits_map_every_scope_rate_form_and_mode()
    {
        var route = ConfigAssert.Valid(Route("""
            auth = "api_key"
            rate_limits = [
              { name = "all", scope = "route", rate = "1000/h" },
              { name = "ip", scope = "ip", rate = "100/s", burst = 200 },
              { name = "consumer", scope = "consumer", rate = "50000/day", mode = "shadow" },
              { name = "route-ip", scope = "route_ip", rate = "5/10s" },
              { name = "route-consumer", scope = "route_consumer", rate = "6000 / minute", mode = "enforce" },
            ]
            """)).Routes[0];

        Assert.Equal(RouteAuth.ApiKey, route.Auth);
        Assert.Equal(
            [
                new RateLimitConfig { Name = "all", Scope = RateLimitScope.Route, Tokens = 1000, Period = TimeSpan.FromHours(1), Burst = 1000 },
                new RateLimitConfig { Name = "ip", Scope = RateLimitScope.Ip, Tokens = 100, Period = TimeSpan.FromSeconds(1), Burst = 200 },
                new RateLimitConfig { Name = "consumer", Scope = RateLimitScope.Consumer, Tokens = 50000, Period = TimeSpan.FromDays(1), Burst = 50000, Mode = PolicyMode.Shadow },
                new RateLimitConfig { Name = "route-ip", Scope = RateLimitScope.RouteIp, Tokens = 5, Period = TimeSpan.FromSeconds(10), Burst = 5 },
                new RateLimitConfig { Name = "route-consumer", Scope = RateLimitScope.RouteConsumer, Tokens = 6000, Period = TimeSpan.FromMinutes(1), Burst = 6000 },
            ],
            route.RateLimits);
    }

    [Fact]
    public void Route_limit_errors_are_all_reported_at_their_values()
    {
        var result = Route("""
            auth = "apikey"
            rate_limits = [
              { name = "a", rate = "10/s" },
              { name = "b", scope = "rout", rate = "10/s" },
              { name = "c", scope = "route", rate = "10 per second" },
              { name = "d", scope = "route", rate = "10/s", burst = 0 },
              { name = "e", scope = "consumer", rate = "10/s" },
              { name = "a", scope = "route", rate = "10/s", mode = "dry-run" },
              { name = "f", scope = "route", rate = "10/48h" },
            ]
            """);

        var expected = new (int Line, int Column, string Start)[]
        {
            (12, 8, "'auth' in [[routes]] must be one of \"none\", \"api_key\", found the string \"apikey\""),
            (14, 3, "missing key 'scope' in [[routes.rate_limits]]"),
            (15, 25, "'scope' in [[routes.rate_limits]] must be one of \"route\", \"ip\", \"consumer\", \"route_ip\", \"route_consumer\", found the string \"rout\"; did you mean \"route\"?"),
            (16, 41, "'rate' in [[routes.rate_limits]] must be a rate like \"100/s\""),
            (17, 57, "'burst' in [[routes.rate_limits]] must be from 1 to 1000000000, found 0"),
            (19, 12, "rate limit name \"a\" appears twice in route 'r' (first at test.toml:14:12)"),
            (19, 56, "'mode' in [[routes.rate_limits]] must be one of \"enforce\", \"shadow\", found the string \"dry-run\""),
            (20, 41, "'rate' in [[routes.rate_limits]] must refill within a day (\"10/48h\" does not)"),
        };
        Assert.True(expected.Length == result.Errors.Count, string.Join('\n', result.Errors));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal((expected[i].Line, expected[i].Column), (result.Errors[i].Line, result.Errors[i].Column));
            Assert.StartsWith(expected[i].Start, result.Errors[i].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Consumer_scopes_need_api_key_auth_and_lists_are_bounded()
    {
        var limits = string.Join(", ", Enumerable.Range(0, 17).Select(i => $"{{ name = \"l{i}\", scope = \"route\", rate = \"1/s\" }}"));
        var result = Route($"rate_limits = [{{ name = \"c\", scope = \"route_consumer\", rate = \"1/s\" }}]\n");
        var tooMany = Route($"rate_limits = [{limits}]\n");

        ConfigAssert.Single(result, 12, 38, "rate limit \"c\" is per consumer, but route 'r' does not identify consumers; add auth = \"api_key\" to the route");
        ConfigAssert.Single(tooMany, 12, 790, "route 'r' has 17 rate limits; at most 16 are allowed");
    }

    [Fact]
    public void A_cross_route_limit_must_be_declared_the_same_on_every_route()
    {
        var result = ConfigAssert.LoadWithMinimal("""
            [[routes]]
            id = "a"
            cluster = "backend"
            path = "/a"
            rate_limits = [{ name = "global", scope = "ip", rate = "10/s" }]

            [[routes]]
            id = "b"
            cluster = "backend"
            path = "/b"
            rate_limits = [{ name = "global", scope = "ip", rate = "10/s" }, { name = "same-name-other-scope", scope = "route_ip", rate = "1/s" }]

            [[routes]]
            id = "c"
            cluster = "backend"
            path = "/c"
            rate_limits = [{ name = "global", scope = "ip", rate = "20/s" }, { name = "same-name-other-scope", scope = "route_ip", rate = "2/s" }]
            """);

        ConfigAssert.Single(result, 24, 16, "rate limit \"global\" (scope \"ip\") is shared by every route that declares it, but route 'c' declares it differently from route 'a' at test.toml:12:16");
    }

    [Fact]
    public void Api_key_settings_are_checked()
    {
        var result = ConfigAssert.LoadWithMinimal("""
            [api_keys]
            header = "X Api Key"
            query_parameter = "api key"
            forward_consumer_header = "Host"
            """);

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 9, 10, "'header' in [api_keys] must be a header name");
        ConfigAssert.Has(result, 10, 19, "'query_parameter' in [api_keys] must be a non-empty name");
        ConfigAssert.Has(result, 11, 27, "'forward_consumer_header' in [api_keys] cannot be Host");
    }

    [Fact]
    public void Consumer_header_must_differ_from_the_key_header_and_may_be_empty()
    {
        var same = ConfigAssert.LoadWithMinimal("[api_keys]\nheader = \"X-Key\"\nforward_consumer_header = \"x-key\"\n");
        var none = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[api_keys]\nquery_parameter = \"api_key\"\nforward_consumer_header = \"\"\n"));

        ConfigAssert.Single(same, 10, 27, "must differ from 'header' (X-Key)");
        Assert.Equal(new ApiKeySettings { QueryParameter = "api_key", ForwardConsumerHeader = "" }, none.ApiKeys);
    }

    [Fact]
    public void Rate_limiting_and_quota_store_settings()
    {
        using var dir = new TempConfigDirectory();
        var valid = ConfigAssert.Valid(ConfigLoader.LoadFiles([(Path.Combine(dir.Path, "a.toml"), ConfigAssert.Minimal + """
            [rate_limiting]
            max_buckets = 5000
            headers = ["legacy", "ietf"]
            headers_on = "limited"

            [quota_store]
            directory = "data"
            snapshot_interval = "30s"
            """)]));
        var invalid = ConfigAssert.LoadWithMinimal("""
            [rate_limiting]
            max_buckets = 0
            headers = ["ietf", "x-ratelimit"]
            headers_on = "some"

            [quota_store]
            snapshot_interval = "0s"
            """);

        Assert.Equal(new RateLimitingConfig { MaxBuckets = 5000, Headers = RateLimitHeaderFormats.Ietf | RateLimitHeaderFormats.Legacy, HeadersOn = RateLimitHeadersOn.Limited }, valid.RateLimiting);
        Assert.Equal(new QuotaStoreConfig { Directory = Path.Combine(dir.Path, "data"), SnapshotInterval = TimeSpan.FromSeconds(30) }, valid.QuotaStore);
        Assert.Equal(4, invalid.Errors.Count);
        ConfigAssert.Has(invalid, 9, 15, "'max_buckets' in [rate_limiting] must be from 1 to");
        ConfigAssert.Has(invalid, 10, 20, "'headers' in [rate_limiting] may hold \"ietf\" (RateLimit-Policy and RateLimit) and \"legacy\" (X-RateLimit-*), found \"x-ratelimit\"");
        ConfigAssert.Has(invalid, 11, 14, "'headers_on' in [rate_limiting] must be one of \"all\", \"limited\"");
        ConfigAssert.Has(invalid, 14, 21, "'snapshot_interval' in [quota_store] must be greater than zero");
    }

    [Fact]
    public void Access_sections_may_come_from_one_file_only()
    {
        var result = ConfigLoader.LoadFiles([
            ("a.toml", ConfigAssert.Minimal + "[api_keys]\nheader = \"X-Key\"\n"),
            ("consumers.toml", "[api_keys]\nheader = \"X-Other\"\n"),
        ]);

        ConfigAssert.Single(result, 1, 1, "[api_keys] is already defined in a.toml (line 8); it may appear in only one file");
    }

    [Theory]
    [InlineData("100/s", 100, 10_000_000L)]
    [InlineData("6000/min", 6000, 600_000_000L)]
    [InlineData("1000/h", 1000, 36_000_000_000L)]
    [InlineData("1/second", 1, 10_000_000L)]
    [InlineData("2/hour", 2, 36_000_000_000L)]
    [InlineData("50000/day", 50000, 864_000_000_000L)]
    [InlineData("5/10s", 5, 100_000_000L)]
    [InlineData("3/250ms", 3, 2_500_000L)]
    [InlineData(" 7 / s ", 7, 10_000_000L)]
    public void Rates_parse(string text, long tokens, long periodTicks)
    {
        Assert.True(RateParser.TryParse(text, out var parsedTokens, out var period));
        Assert.Equal((tokens, periodTicks), (parsedTokens, period.Ticks));
    }

    [Theory]
    [InlineData("")]
    [InlineData("100")]
    [InlineData("/s")]
    [InlineData("-1/s")]
    [InlineData("1.5/s")]
    [InlineData("10/fortnight")]
    [InlineData("10/0s")]
    [InlineData("10 per second")]
    public void Malformed_rates_are_refused(string text) => Assert.False(RateParser.TryParse(text, out _, out _));

    [Theory]
    [InlineData("2025-03-04T05:06:07Z", "2025-03-04T05:06:07Z")]
    [InlineData("2025-03-04 05:06:07z", "2025-03-04T05:06:07Z")]
    [InlineData("2025-03-04T05:06:07.5+01:00", "2025-03-04T04:06:07.5Z")]
    [InlineData("2025-03-04", "2025-03-04T00:00:00Z")]
    public void Instants_parse_to_utc(string text, string expected)
    {
        Assert.True(TimestampParser.TryParse(text, out var value));
        Assert.Equal(expected, TimestampParser.Format(value));
    }

    [Theory]
    [InlineData("2025-03-04T05:06:07")]
    [InlineData("05:06:07")]
    [InlineData("2025-13-01")]
    [InlineData("yesterday")]
    public void Instants_without_offset_or_malformed_are_refused(string text) => Assert.False(TimestampParser.TryParse(text, out _));
}
