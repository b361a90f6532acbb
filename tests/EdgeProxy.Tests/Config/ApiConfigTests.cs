using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>
/// <c>[[apis]]</c> with their versions, the plans' catalogue fields and the consumers' API grants.
/// Snippets after <see cref="WithRoutes"/> start on line 20.
/// </summary>
public sealed class ApiConfigTests
{
    /// <summary><see cref="ConfigAssert.Minimal"/> plus routes orders-v1 (lines 8-12) and orders-v2 (lines 14-18).</summary>
    private const string WithRoutes = ConfigAssert.Minimal + """
        [[routes]]
        id = "orders-v1"
        cluster = "backend"
        path_prefix = "/v1/orders"
        auth = "api_key"

        [[routes]]
        id = "orders-v2"
        cluster = "backend"
        path_prefix = "/v2/orders"
        auth = "api_key"


        """;

    private static ConfigLoadResult Load(string apis) => ConfigAssert.Load(WithRoutes + apis);

    [Fact]
    public void A_complete_api_maps_every_key_and_resolves_the_openapi_path_next_to_its_file()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("edgeproxy.toml", WithRoutes);
        var document = dir.Write("openapi/orders-v1.yaml", "openapi: 3.0.3\n");
        dir.Write("routes/orders.toml", """
            [[apis]]
            id = "orders"
            title = "Orders API"
            summary = "Create and track orders."
            owner = "team-commerce"
            tags = ["commerce", "orders"]

            [[apis.versions]]
            version = "v1"
            state = "deprecated"
            routes = ["orders-v1"]
            openapi = "../openapi/orders-v1.yaml"
            deprecated_at = 2026-06-01T00:00:00Z
            sunset = 2027-01-01T00:00:00Z
            successor = "v2"
            changelog = "First version."

            [[apis.versions]]
            version = "v2"
            state = "published"
            routes = ["orders-v2"]
            """);

        var config = ConfigAssert.Valid(ConfigLoader.Load(dir.Path));

        Assert.Equal(new ApiConfig
        {
            Id = "orders",
            Title = "Orders API",
            Summary = "Create and track orders.",
            Owner = "team-commerce",
            Tags = new[] { "commerce", "orders" },
            Versions = new[]
            {
                new ApiVersionConfig
                {
                    Version = "v1",
                    State = ApiVersionState.Deprecated,
                    Routes = new[] { "orders-v1" },
                    OpenApi = "../openapi/orders-v1.yaml",
                    OpenApiFile = Path.GetFullPath(document),
                    DeprecatedAt = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero),
                    Sunset = new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero),
                    Successor = "v2",
                    Changelog = "First version.",
                },
                new ApiVersionConfig { Version = "v2", State = ApiVersionState.Published, Routes = new[] { "orders-v2" } },
            },
        }, Assert.Single(config.Apis));
        Assert.True(Path.IsPathFullyQualified(config.Apis[0].Versions[0].OpenApiFile!));
    }

    [Fact]
    public void Plans_carry_catalogue_fields_and_an_exact_decimal_price_and_consumers_their_api_grants()
    {
        var config = ConfigAssert.Valid(Load("""
            [[apis]]
            id = "orders"
            title = "Orders"

            [[plans]]
            id = "pro"
            title = "Pro"
            description = "For teams."
            approval = true
            price = { monthly = 49.0, per_call = 0.0001, overage = 2e-4, currency = "EUR" }

            [[plans]]
            id = "free"
            price = { monthly = 0 }

            [[consumers]]
            id = "acme"
            plan = "pro"
            apis = ["orders"]
            """));

        Assert.Equal(new PlanConfig
        {
            Id = "pro",
            Title = "Pro",
            Description = "For teams.",
            Approval = true,
            Price = new PlanPriceConfig { Monthly = 49.0m, PerCall = 0.0001m, Overage = 0.0002m, Currency = "EUR" },
        }, config.Plans[0]);
        Assert.Equal(new PlanConfig { Id = "free", Price = new PlanPriceConfig { Currency = "USD" } }, config.Plans[1]);
        Assert.Equal(["orders"], config.Consumers[0].Apis);
        Assert.Empty(config.Apis[0].Versions);
    }

    [Fact]
    public void Apis_may_be_split_over_files_and_their_ids_are_unique_across_files()
    {
        var result = ConfigLoader.LoadFiles([
            ("a.toml", WithRoutes + "[[apis]]\nid = \"orders\"\ntitle = \"Orders\"\nversions = [{ version = \"v1\", state = \"published\", routes = [\"orders-v1\"] }]\n"),
            ("b.toml", "[[apis]]\nid = \"billing\"\ntitle = \"Billing\"\n\n[[apis]]\nid = \"orders\"\ntitle = \"Orders again\"\n"),
        ]);

        var error = Assert.Single(result.Errors);
        Assert.Equal(("b.toml", 6, 6), (error.File, error.Line, error.Column));
        Assert.Contains("duplicate API id \"orders\"; it is already used at a.toml:21:6", error.Message, StringComparison.Ordinal);

        var merged = ConfigAssert.Valid(ConfigLoader.LoadFiles([
            ("a.toml", WithRoutes + "[[apis]]\nid = \"orders\"\ntitle = \"Orders\"\n"),
            ("b.toml", "[[apis]]\nid = \"billing\"\ntitle = \"Billing\"\n"),
        ]));
        Assert.Equal(["orders", "billing"], merged.Apis.Select(a => a.Id));
    }

    [Fact]
    public void Api_and_version_fields_are_checked_each_at_its_position()
    {
        var result = Load("""
            [[apis]]
            id = "Orders"

            [[apis.versions]]
            state = "publish"

            [[apis.versions]]
            version = "v1"

            [[apis.versions]]
            version = "v1"
            state = "deprecated"
            sunset = 2026-01-01T00:00:00Z

            [[apis.versions]]
            version = "v2"
            state = "retired"
            deprecated_at = 2026-06-01T00:00:00Z
            sunset = 2026-05-01T00:00:00Z
            """);

        ConfigAssert.Has(result, 20, 1, "missing key 'title' in [[apis]]");
        ConfigAssert.Has(result, 21, 6, "'id' in [[apis]] may contain only lower-case letters, digits and '-', found \"Orders\"");
        ConfigAssert.Has(result, 23, 1, "missing key 'version' in [[apis.versions]]");
        ConfigAssert.Has(result, 24, 9, "'state' in [[apis.versions]] must be one of \"draft\", \"published\", \"deprecated\", \"retired\"", "did you mean \"published\"?");
        ConfigAssert.Has(result, 26, 1, "missing key 'state' in [[apis.versions]]");
        ConfigAssert.Has(result, 30, 11, "duplicate version of API 'Orders' \"v1\"; it is already used at test.toml:27:11");
        ConfigAssert.Has(result, 31, 9, "version 'v1' of API 'Orders' is deprecated but has no 'deprecated_at'", "RFC 9745");
        ConfigAssert.Has(result, 38, 10, "'sunset' in [[apis.versions]] (2026-05-01T00:00:00Z) must not be before 'deprecated_at' (2026-06-01T00:00:00Z)");
        Assert.Equal(8, result.Errors.Count);
    }

    [Fact]
    public void Unknown_successor_and_self_successor_are_errors_at_the_successor()
    {
        var result = Load("""
            [[apis]]
            id = "orders"
            title = "Orders"
            versions = [
              { version = "v1", state = "published", successor = "v3" },
              { version = "v2", state = "published", successor = "v2" },
              { version = "v3", state = "draft", successor = "v22" },
            ]
            """);

        ConfigAssert.Has(result, 25, 54, "version 'v2' of API 'orders' names itself as its successor");
        ConfigAssert.Has(result, 26, 50, "version 'v3' of API 'orders' names successor 'v22', which is not a version of API 'orders'; did you mean 'v2'?");
        Assert.Equal(2, result.Errors.Count);
    }

    [Fact]
    public void Unknown_route_and_a_route_in_two_versions_are_errors_at_the_route_item()
    {
        var result = Load("""
            [[apis]]
            id = "orders"
            title = "Orders"

            [[apis.versions]]
            version = "v1"
            state = "published"
            routes = ["orders-v1", "orders-v3"]

            [[apis]]
            id = "shop"
            title = "Shop"

            [[apis.versions]]
            version = "v1"
            state = "published"
            routes = ["orders-v2", "orders-v2", "orders-v1"]
            """);

        ConfigAssert.Has(result, 27, 24, "version 'v1' of API 'orders' lists route 'orders-v3', which no [[routes]] entry defines; did you mean 'orders-v1'?");
        ConfigAssert.Has(result, 36, 24, "route 'orders-v2' is already listed by this version already (at test.toml:36:11)");
        ConfigAssert.Has(result, 36, 37, "route 'orders-v1' is already listed by version 'v1' of API 'orders' (at test.toml:27:11); a route belongs to at most one API version");
        Assert.Equal(3, result.Errors.Count);
    }

    [Fact]
    public void A_missing_openapi_file_is_an_error_naming_the_resolved_path()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("edgeproxy.toml", WithRoutes + """
            [[apis]]
            id = "orders"
            title = "Orders"
            versions = [{ version = "v1", state = "published", openapi = "openapi/none.yaml" }]
            """);

        var result = ConfigLoader.Load(dir.Path);

        var error = ConfigAssert.Single(result, 23, 62, "'openapi' in [[apis.versions]] names", "does not exist");
        Assert.Contains(Path.Combine(dir.Path, "openapi", "none.yaml"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Consumer_grants_must_name_defined_apis_once()
    {
        var result = Load("""
            [[apis]]
            id = "orders"
            title = "Orders"

            [[consumers]]
            id = "acme"
            apis = ["orders", "order", "orders"]
            """);

        ConfigAssert.Has(result, 26, 19, "consumer 'acme' may call API 'order', which no [[apis]] entry defines; did you mean 'orders'?");
        ConfigAssert.Has(result, 26, 28, "API \"orders\" appears twice in 'apis' of consumer 'acme'");
        Assert.Equal(2, result.Errors.Count);
    }

    [Fact]
    public void Price_amounts_must_be_non_negative_numbers_in_an_iso_currency()
    {
        var result = Load("""
            [[plans]]
            id = "pro"
            price = { monthly = -1, per_call = "cheap", overage = 0.5, currency = "usd" }
            """);

        ConfigAssert.Has(result, 22, 21, "'monthly' in [plans.price] must not be negative, found -1");
        ConfigAssert.Has(result, 22, 36, "'per_call' in [plans.price] must be a number like 49 or 0.0001, found the string \"cheap\"");
        ConfigAssert.Has(result, 22, 71, "'currency' in [plans.price] must be an ISO 4217 code of three upper-case letters like \"USD\", found \"usd\"");
        Assert.Equal(3, result.Errors.Count);
    }

    [Fact]
    public void Display_text_rejects_control_characters_but_changelogs_keep_line_breaks_and_tags_are_unique()
    {
        var result = Load("""
            [[apis]]
            id = "orders"
            title = "Orders\u001b[31m"
            tags = ["a", "a"]

            [[apis.versions]]
            version = "v1"
            state = "published"
            changelog = "Line one.\nLine two.\u0007"

            [[plans]]
            id = "pro"
            description = "Two\nlines are fine."
            """);

        ConfigAssert.Has(result, 22, 9, "'title' in [[apis]] must not contain control characters");
        ConfigAssert.Has(result, 23, 14, "tag \"a\" appears twice in API 'orders'");
        ConfigAssert.Has(result, 28, 13, "'changelog' in [[apis.versions]] must not contain control characters");
        Assert.Equal(3, result.Errors.Count);
    }

    [Fact]
    public void Misspelled_api_keys_suggest_the_right_name()
    {
        var result = Load("[[apis]]\nid = \"orders\"\ntitle = \"Orders\"\nversions = [{ version = \"v1\", state = \"draft\", sucessor = \"v2\" }]\n");

        ConfigAssert.Single(result, 23, 48, "unknown key 'sucessor' in [[apis.versions]]; did you mean 'successor'?");
    }
}
