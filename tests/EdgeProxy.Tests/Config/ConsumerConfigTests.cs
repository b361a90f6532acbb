using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary><c>[[consumers]]</c>, <c>[[plans]]</c> and their keys. Snippets after <see cref="ConfigAssert.Minimal"/> start on line 8.</summary>
public sealed class ConsumerConfigTests
{
    internal static readonly string HashA = new('a', 64);
    internal static readonly string HashB = string.Concat(Enumerable.Repeat("0123456789abcdef", 4));

    [Fact]
    public void A_complete_consumer_and_plan_map_every_key()
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal($$"""
            [[plans]]
            id = "gold"
            rate_limits = [{ name = "burst", rate = "100/s", burst = 300, mode = "shadow" }, { name = "steady", scope = "consumer", rate = "6000/min" }]
            quotas = [{ period = "day", limit = 100000 }, { period = "month", limit = 2000000 }]

            [[consumers]]
            id = "acme"
            name = "Acme Corp"
            plan = "gold"
            tags = ["partner", "eu"]
            enabled = false
            keys = [
              { id = "k1", key_sha256 = "{{HashA}}", created_at = 2025-01-01T00:00:00Z, expires_at = 2026-01-01T12:30:00+02:00 },
              { key_sha256 = "{{HashB}}", created_at = "2025-02-01", revoked = true },
            ]
            quotas = [{ period = "day", limit = 5 }]
            """));

        Assert.Equal(new PlanConfig
        {
            Id = "gold",
            RateLimits = new[]
            {
                new RateLimitConfig { Name = "burst", Scope = RateLimitScope.Consumer, Tokens = 100, Period = TimeSpan.FromSeconds(1), Burst = 300, Mode = PolicyMode.Shadow },
                new RateLimitConfig { Name = "steady", Scope = RateLimitScope.Consumer, Tokens = 6000, Period = TimeSpan.FromMinutes(1), Burst = 6000 },
            },
            Quotas = new[] { new QuotaConfig { Period = QuotaPeriod.Day, Limit = 100000 }, new QuotaConfig { Period = QuotaPeriod.Month, Limit = 2000000 } },
        }, Assert.Single(config.Plans));

        Assert.Equal(new ConsumerConfig
        {
            Id = "acme",
            Name = "Acme Corp",
            Plan = "gold",
            Tags = new[] { "partner", "eu" },
            Enabled = false,
            Keys = new[]
            {
                new ApiKeyConfig
                {
                    Id = "k1",
                    KeySha256 = HashA,
                    CreatedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    ExpiresAt = new DateTimeOffset(2026, 1, 1, 10, 30, 0, TimeSpan.Zero),
                },
                new ApiKeyConfig { KeySha256 = HashB, CreatedAt = new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero), Revoked = true },
            },
            Quotas = new[] { new QuotaConfig { Period = QuotaPeriod.Day, Limit = 5 } },
        }, Assert.Single(config.Consumers));
    }

    [Fact]
    public void Defaults_of_the_access_sections()
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[[consumers]]\nid = \"c\"\n"));

        Assert.Equal(new ConsumerConfig { Id = "c" }, config.Consumers[0]);
        Assert.True(config.Consumers[0].Enabled);
        Assert.Equal(new ApiKeySettings { Header = "X-Api-Key", QueryParameter = null, ForwardConsumerHeader = "X-Consumer-Id" }, config.ApiKeys);
        Assert.Equal(new RateLimitingConfig { MaxBuckets = 100_000, Headers = RateLimitHeaderFormats.Ietf, HeadersOn = RateLimitHeadersOn.All }, config.RateLimiting);
        Assert.Equal(new QuotaStoreConfig { Directory = "", SnapshotInterval = TimeSpan.FromSeconds(10) }, config.QuotaStore);
    }

    [Fact]
    public void Consumers_may_live_in_their_own_file_and_use_plans_and_routes_from_others()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("edgeproxy.toml", ConfigAssert.Minimal + """
            [[plans]]
            id = "free"
            quotas = [{ period = "minute", limit = 10 }]
            """);
        dir.Write("routes/api.toml", """
            [[routes]]
            id = "api"
            cluster = "backend"
            path_prefix = "/api"
            auth = "api_key"
            rate_limits = [{ name = "per-consumer", scope = "route_consumer", rate = "5/s" }]
            """);
        dir.Write("consumers.toml", $$"""
            [[consumers]]
            id = "one"
            plan = "free"
            keys = [{ key_sha256 = "{{HashA}}" }]

            [[consumers]]
            id = "two"
            keys = [{ key_sha256 = "{{HashB}}" }]
            """);

        var config = ConfigAssert.Valid(ConfigLoader.Load(dir.Path));

        Assert.Equal(["one", "two"], config.Consumers.Select(c => c.Id));
        Assert.Equal("free", config.Consumers[0].Plan);
        Assert.Equal(RouteAuth.ApiKey, config.Routes[0].Auth);
        Assert.Equal(RateLimitScope.RouteConsumer, config.Routes[0].RateLimits[0].Scope);
    }

    [Fact]
    public void Unknown_plan_is_an_error_at_the_reference_with_a_suggestion()
    {
        var result = ConfigAssert.LoadWithMinimal("[[plans]]\nid = \"gold\"\n\n[[consumers]]\nid = \"c\"\nplan = \"glod\"\n");

        ConfigAssert.Single(result, 13, 8, "consumer 'c' is on plan 'glod', which no [[plans]] entry defines; did you mean 'gold'?");
    }

    [Fact]
    public void Plan_reference_is_not_checked_when_another_file_failed_to_parse()
    {
        var result = ConfigLoader.LoadFiles([("a.toml", ConfigAssert.Minimal + "[[consumers]]\nid = \"c\"\nplan = \"gold\"\n"), ("b.toml", "[[plans]\n")]);

        Assert.All(result.Errors, e => Assert.Equal("b.toml", e.File));
    }

    [Fact]
    public void Duplicate_consumer_ids_and_key_hashes_point_at_the_second_naming_the_first()
    {
        var result = ConfigAssert.LoadWithMinimal($$"""
            [[consumers]]
            id = "one"
            keys = [{ key_sha256 = "{{HashA}}" }]

            [[consumers]]
            id = "one"
            keys = [{ key_sha256 = "{{HashA}}" }]
            """);

        Assert.Equal(2, result.Errors.Count);
        ConfigAssert.Has(result, 13, 6, "duplicate consumer id \"one\"; it is already used at test.toml:9:6");
        ConfigAssert.Has(result, 14, 24, "this key_sha256 is already a key of consumer 'one' at test.toml:10:24", "a key identifies exactly one consumer");
    }

    [Theory]
    [InlineData("ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789", "lowercase")]
    [InlineData("abc", "must be 64 hexadecimal digits (a SHA-256), found 3 characters")]
    [InlineData("zzcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", "only hexadecimal digits")]
    public void Key_hash_must_be_64_lowercase_hex_digits_and_is_not_echoed(string hash, string fragment)
    {
        var result = ConfigAssert.LoadWithMinimal($"[[consumers]]\nid = \"c\"\nkeys = [{{ key_sha256 = \"{hash}\" }}]\n");

        var error = ConfigAssert.Single(result, 10, 24, "'key_sha256' in [[consumers.keys]]", fragment, "edgeproxy keys new");
        Assert.DoesNotContain(hash, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_without_a_hash_and_duplicate_key_ids_are_errors()
    {
        var result = ConfigAssert.LoadWithMinimal($$"""
            [[consumers]]
            id = "c"
            keys = [{ id = "k" }, { id = "k", key_sha256 = "{{HashA}}" }, { id = "bad id", key_sha256 = "{{HashB}}" }]
            """);

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 10, 9, "missing key 'key_sha256' in [[consumers.keys]]");
        ConfigAssert.Has(result, 10, 30, "key id \"k\" appears twice in consumer 'c' (first at test.toml:10:16)");
        ConfigAssert.Has(result, 10, 125, "'id' in [[consumers.keys]] may contain only");
    }

    [Fact]
    public void Timestamps_need_an_offset_and_expiry_after_creation()
    {
        var result = ConfigAssert.LoadWithMinimal($$"""
            [[consumers]]
            id = "c"
            keys = [
              { key_sha256 = "{{HashA}}", created_at = 2025-01-01T00:00:00 },
              { key_sha256 = "{{HashB}}", created_at = 2025-06-01T00:00:00Z, expires_at = "2025-05-01" },
              { key_sha256 = "{{new string('c', 64)}}", expires_at = "next week" },
            ]
            """);

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 11, 99, "'created_at' in [[consumers.keys]] must have a UTC offset, like 2025-01-01T00:00:00Z");
        ConfigAssert.Has(result, 12, 134, "'expires_at' in [[consumers.keys]] (2025-05-01T00:00:00Z) must be after 'created_at' (2025-06-01T00:00:00Z)");
        ConfigAssert.Has(result, 13, 99, "'expires_at' in [[consumers.keys]] must be an RFC 3339 date-time with an offset", "found the string \"next week\"");
    }

    [Fact]
    public void Misspelled_consumer_and_key_fields_suggest_the_right_name()
    {
        var result = ConfigAssert.LoadWithMinimal($"[[consumers]]\nid = \"c\"\nplna = \"x\"\nkeys = [{{ key_sha265 = \"{HashA}\" }}]\n");

        ConfigAssert.Has(result, 10, 1, "unknown key 'plna' in [[consumers]]; did you mean 'plan'?");
        ConfigAssert.Has(result, 11, 11, "unknown key 'key_sha265' in [[consumers.keys]]; did you mean 'key_sha256'?");
    }

    [Fact]
    public void Consumer_tags_ids_and_quota_overrides_are_checked()
    {
        var result = ConfigAssert.LoadWithMinimal("""
            [[consumers]]
            id = "a/b"
            tags = ["x", "x", ""]
            quotas = [{ period = "day", limit = 0 }, { period = "day", limit = 5 }, { period = "week", limit = 1 }, { limit = 3 }]
            """);

        Assert.Equal(7, result.Errors.Count);
        ConfigAssert.Has(result, 9, 6, "'id' in [[consumers]] may contain only letters, digits");
        ConfigAssert.Has(result, 10, 14, "tag \"x\" appears twice in consumer 'a/b'");
        ConfigAssert.Has(result, 10, 19, "'tags' in [[consumers]] must hold non-empty strings");
        ConfigAssert.Has(result, 11, 37, "'limit' in [[consumers.quotas]] must be from 1 to 100000000000, found 0");
        ConfigAssert.Has(result, 11, 53, "consumer 'a/b' has two day quotas (first at test.toml:11:22)");
        ConfigAssert.Has(result, 11, 84, "'period' in [[consumers.quotas]] must be one of \"minute\", \"hour\", \"day\", \"month\", found the string \"week\"");
        ConfigAssert.Has(result, 11, 105, "missing key 'period' in [[consumers.quotas]]");
    }

    [Fact]
    public void Plan_limits_are_per_consumer_and_plan_ids_unique()
    {
        var result = ConfigAssert.LoadWithMinimal("""
            [[plans]]
            id = "p"
            rate_limits = [{ name = "x", scope = "ip", rate = "1/s" }, { name = "x", rate = "0/s" }, { rate = "1/s" }]

            [[plans]]
            id = "p"
            """);

        Assert.Equal(5, result.Errors.Count);
        ConfigAssert.Has(result, 10, 38, "a plan's rate limits apply to each consumer on the plan, so their scope can only be \"consumer\"");
        ConfigAssert.Has(result, 10, 69, "rate limit name \"x\" appears twice in plan 'p' (first at test.toml:10:25)");
        ConfigAssert.Has(result, 10, 81, "'rate' in [[plans.rate_limits]] must allow from 1 to 1000000000 requests per period, found \"0/s\"");
        ConfigAssert.Has(result, 10, 90, "missing key 'name' in [[plans.rate_limits]]");
        ConfigAssert.Has(result, 13, 6, "duplicate plan id \"p\"; it is already used at test.toml:9:6");
    }

    [Fact]
    public void Revoking_one_key_changes_only_that_consumer()
    {
        var toml = $$"""
            [[consumers]]
            id = "one"
            keys = [{ key_sha256 = "{{HashA}}" }]

            [[consumers]]
            id = "two"
            keys = [{ key_sha256 = "{{HashB}}" }]
            """;
        var before = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal(toml));
        var same = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("# moved\n" + toml));
        var after = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal(toml.Replace($"\"{HashB}\" }}", $"\"{HashB}\", revoked = true }}", StringComparison.Ordinal)));

        Assert.Equal(before.Consumers, same.Consumers);
        Assert.Equal(before.Consumers[0], after.Consumers[0]);
        Assert.NotEqual(before.Consumers[1], after.Consumers[1]);
        Assert.True(after.Consumers[1].Keys[0].Revoked);
    }
}
