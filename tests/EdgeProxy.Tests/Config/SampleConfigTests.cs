using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>The shipped sample in config/ must always load cleanly (STYLE pattern 2).</summary>
public sealed class SampleConfigTests
{
    private static string SampleDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "config");
            if (File.Exists(Path.Combine(candidate, "edgeproxy.toml")) && File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("cannot find the repository's config/ directory above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Sample_directory_loads_with_zero_errors()
    {
        var result = ConfigLoader.Load(SampleDirectory());

        var config = ConfigAssert.Valid(result);
        Assert.Equal(["consumers.toml", "edgeproxy.toml", "demo.toml", "orders.toml"], result.Files.Select(Path.GetFileName));
        Assert.Matches("^[0-9a-f]{16}$", result.Version);

        Assert.Equal("edgeproxy", config.Gateway.Name);
        Assert.Equal(TimeSpan.FromSeconds(10), config.Gateway.DrainTimeout);
        Assert.Equal(["127.0.0.1/32", "::1/128"], config.Gateway.TrustedProxies);
        Assert.Equal("stdout", config.Gateway.AccessLog);
        Assert.Equal(8 * 1024, config.Limits.MaxRequestLineBytes);
        Assert.Equal(32 * 1024, config.Limits.MaxHeaderBytes);
        Assert.Equal(100, config.Limits.MaxHeaderCount);
        Assert.Equal(TimeSpan.FromSeconds(75), config.Limits.KeepAliveTimeout);
        Assert.Equal(10L * 1024 * 1024, config.Limits.MaxBodyBytes);
        Assert.Equal("127.0.0.1:9901", config.Admin.Listen);

        var listener = Assert.Single(config.Listeners);
        Assert.Equal(new ListenerConfig { Name = "public", Listen = "127.0.0.1:8080" }, listener);

        var cluster = Assert.Single(config.Clusters);
        Assert.Equal("demo", cluster.Id);
        Assert.Equal(["http://127.0.0.1:9001"], cluster.Endpoints);
        Assert.Equal(64, cluster.MaxIdleConnections);
        Assert.Equal(TimeSpan.FromSeconds(60), cluster.IdleTimeout);
        Assert.Null(cluster.Tls);

        Assert.Equal(["demo-hello", "demo-items", "demo-api", "demo-secure", "orders-v1", "orders-v2"], config.Routes.Select(r => r.Id));
        var hello = config.Routes[0];
        Assert.Equal("/hello", hello.Path);
        Assert.Equal(["GET", "HEAD"], hello.Methods);
        Assert.Equal([new HeaderValueConfig("X-Served-By", "edgeproxy")], hello.ResponseHeaders.Set);

        var items = config.Routes[1];
        Assert.Equal("/items/{id}", items.Path);
        Assert.Equal("/echo/items/{id}", items.Rewrite?.Replace);

        var api = config.Routes[2];
        Assert.Null(api.Path);
        Assert.Equal("/api", api.PathPrefix);
        Assert.Equal("/api", api.Rewrite?.StripPrefix);
        Assert.Equal(1024 * 1024, api.MaxBodyBytes);
        Assert.Equal([new HeaderValueConfig("X-Gateway", "edgeproxy")], api.RequestHeaders.Set);
        Assert.Equal(["X-Debug"], api.RequestHeaders.Remove);
        Assert.Equal(new RouteTimeoutsConfig
        {
            Connect = TimeSpan.FromSeconds(2),
            ResponseHeaders = TimeSpan.FromSeconds(15),
            Idle = TimeSpan.FromSeconds(30),
            Total = TimeSpan.Zero,
        }, api.Timeouts);

        var plan = Assert.Single(config.Plans);
        Assert.Equal("demo", plan.Id);
        Assert.Equal([new QuotaConfig { Period = QuotaPeriod.Day, Limit = 10000 }, new QuotaConfig { Period = QuotaPeriod.Month, Limit = 100000 }], plan.Quotas);
        var consumer = Assert.Single(config.Consumers);
        Assert.Equal(("demo", "demo", true), (consumer.Id, consumer.Plan, consumer.Enabled));

        // The demo key printed in consumers.toml's comment is the one whose hash the sample holds.
        Assert.Equal(EdgeProxy.Policy.Keys.ApiKeyGenerator.Sha256Hex("epk_demo_sample_key_do_not_use_in_production"), Assert.Single(consumer.Keys).KeySha256);
        Assert.Equal(new ApiKeySettings(), config.ApiKeys);
    }

    [Fact]
    public void Sample_orders_api_has_a_deprecated_v1_and_a_published_v2_with_their_openapi_documents()
    {
        var config = ConfigAssert.Valid(ConfigLoader.Load(SampleDirectory()));

        var orders = Assert.Single(config.Apis);
        Assert.Equal(("orders", "Orders API", "team-commerce"), (orders.Id, orders.Title, orders.Owner));
        Assert.Equal(["v1", "v2"], orders.Versions.Select(v => v.Version));
        var (v1, v2) = (orders.Versions[0], orders.Versions[1]);
        Assert.Equal((ApiVersionState.Deprecated, "v2"), (v1.State, v1.Successor));
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), v1.DeprecatedAt);
        Assert.Equal(ApiVersionState.Published, v2.State);
        foreach (var version in orders.Versions)
        {
            Assert.Equal(Path.Combine(SampleDirectory(), "openapi", $"orders-{version.Version}.yaml"), version.OpenApiFile);
            Assert.StartsWith("openapi: 3.0.", File.ReadAllText(version.OpenApiFile!), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_sample_file_parses_on_its_own_without_syntax_errors()
    {
        // Alone, a file may miss what another file defines (routes without their cluster), but its own
        // keys must all be known and well-typed.
        foreach (var file in Directory.EnumerateFiles(SampleDirectory(), "*.toml", SearchOption.AllDirectories))
        {
            var result = ConfigLoader.Load(file);
            var ownErrors = result.Errors.Where(e => !e.Message.Contains("[[listeners]]", StringComparison.Ordinal)
                && !e.Message.Contains("no [[clusters]] entry", StringComparison.Ordinal));
            Assert.Empty(ownErrors);
        }
    }
}
