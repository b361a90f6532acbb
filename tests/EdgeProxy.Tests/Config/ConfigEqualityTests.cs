using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>Records compare by value (EquatableArray), so "did it change across a reload?" is an Equals call.</summary>
public sealed class ConfigEqualityTests
{
    private const string Toml = """
        [gateway]
        trusted_proxies = ["10.0.0.0/8"]

        [[listeners]]
        name = "public"
        listen = "127.0.0.1:8080"

        [[clusters]]
        id = "api"
        endpoints = ["http://127.0.0.1:9001", "http://127.0.0.1:9002"]

        [[clusters]]
        id = "web"
        endpoints = ["http://127.0.0.1:9003"]

        [[routes]]
        id = "r"
        cluster = "api"
        path = "/items/{id}"
        methods = ["GET"]
        headers = [{ name = "X-A", value = "1" }]
        request_headers = { set = { "X-B" = "2" }, remove = ["X-C"] }
        """;

    [Fact]
    public void Same_toml_loaded_twice_is_equal()
    {
        var first = ConfigAssert.Valid(ConfigAssert.Load(Toml));
        var second = ConfigAssert.Valid(ConfigAssert.Load(Toml));

        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.True(first.Routes.Equals(second.Routes));
    }

    [Fact]
    public void Moving_text_around_does_not_change_equality_because_positions_are_not_in_records()
    {
        var first = ConfigAssert.Valid(ConfigAssert.Load(Toml));
        var shifted = ConfigAssert.Valid(ConfigAssert.Load("# a comment that moves every line down\n\n" + Toml.Replace("id = \"api\"", "id    =    \"api\"", StringComparison.Ordinal)));

        Assert.Equal(first, shifted);
    }

    [Fact]
    public void Changed_cluster_is_unequal_while_untouched_parts_stay_equal()
    {
        var first = ConfigAssert.Valid(ConfigAssert.Load(Toml));
        var changed = ConfigAssert.Valid(ConfigAssert.Load(Toml.Replace("http://127.0.0.1:9002", "http://127.0.0.1:9004", StringComparison.Ordinal)));

        Assert.NotEqual(first, changed);
        Assert.NotEqual(first.Clusters[0], changed.Clusters[0]);
        Assert.Equal(first.Clusters[1], changed.Clusters[1]);
        Assert.Equal(first.Listeners, changed.Listeners);
        Assert.Equal(first.Routes, changed.Routes);
        Assert.Equal(first.Gateway, changed.Gateway);
    }

    [Fact]
    public void Header_order_is_part_of_equality()
    {
        var ab = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath = \"/\"\nrequest_headers = { set = { A = \"1\", B = \"2\" } }\n"));
        var ba = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[[routes]]\nid = \"r\"\ncluster = \"backend\"\npath = \"/\"\nrequest_headers = { set = { B = \"2\", A = \"1\" } }\n"));

        Assert.NotEqual(ab.Routes[0], ba.Routes[0]);
    }
}
