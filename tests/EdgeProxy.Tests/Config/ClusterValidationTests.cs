using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

public sealed class ClusterValidationTests
{
    private const string Listener = "[[listeners]]\nname = \"public\"\nlisten = \"127.0.0.1:8080\"\n";

    /// <summary>The listener takes lines 1-3; <paramref name="clusters"/> starts on line 4.</summary>
    private static ConfigLoadResult LoadClusters(string clusters) => ConfigAssert.Load(Listener + clusters);

    [Fact]
    public void Misspelt_key_gets_a_suggestion()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoint = [\"http://10.0.0.1:80\"]\n");

        Assert.Equal(2, result.Errors.Count);
        var error = ConfigAssert.Has(result, 6, 1);
        Assert.Equal("unknown key 'endpoint' in [[clusters]]; did you mean 'endpoints'?", error.Message);
        ConfigAssert.Has(result, 4, 1, "cluster 'api' needs at least one URL in 'endpoints'");
    }

    [Fact]
    public void Endpoints_of_the_wrong_type_are_one_error_not_two()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoints = \"http://10.0.0.1:80\"\n");

        ConfigAssert.Single(result, 6, 13, "'endpoints' in [[clusters]] must be an array of strings, found the string \"http://10.0.0.1:80\"");
    }

    [Fact]
    public void Empty_endpoints_point_at_the_value()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoints = []\n");

        ConfigAssert.Single(result, 6, 13, "needs at least one URL");
    }

    [Fact]
    public void Receive_buffer_defaults_to_512_KiB_and_takes_a_size_or_zero()
    {
        var endpoints = "endpoints = [\"http://10.0.0.1:80\"]\n";
        var config = ConfigAssert.Valid(LoadClusters(
            "[[clusters]]\nid = \"a\"\n" + endpoints + "[[clusters]]\nid = \"b\"\n" + endpoints + "receive_buffer = \"2MiB\"\n"
            + "[[clusters]]\nid = \"c\"\n" + endpoints + "receive_buffer = 0\n"));

        Assert.Equal(512 * 1024, config.Clusters[0].ReceiveBuffer);
        Assert.Equal(2 * 1024 * 1024, config.Clusters[1].ReceiveBuffer);
        Assert.Equal(0, config.Clusters[2].ReceiveBuffer);
    }

    [Fact]
    public void Receive_buffer_over_its_limit_points_at_the_value()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoints = [\"http://10.0.0.1:80\"]\nreceive_buffer = \"1GiB\"\n");

        ConfigAssert.Single(result, 7, 18, "'receive_buffer' in [[clusters]] must be between 0 and 64MiB, found 1GiB");
    }

    [Theory]
    [InlineData("http://10.0.0.1:8080")]
    [InlineData("https://api.internal")]
    [InlineData("http://api.internal/")]
    [InlineData("http://[::1]:9000")]
    public void Valid_endpoints(string endpoint)
    {
        var config = ConfigAssert.Valid(LoadClusters($"[[clusters]]\nid = \"api\"\nendpoints = [\"{endpoint}\"]\n"));

        Assert.Equal([endpoint], config.Clusters[0].Endpoints);
    }

    [Theory]
    [InlineData("10.0.0.1:8080", "the scheme must be http:// or https://")]
    [InlineData("ftp://files.internal", "the scheme must be http:// or https://")]
    [InlineData("http://", "not a valid URL")]
    [InlineData("http://api.internal/v1", "the path '/v1' is not allowed")]
    [InlineData("http://api.internal/?a=1", "a query or fragment is not allowed")]
    [InlineData("http://api.internal#top", "a query or fragment is not allowed")]
    [InlineData("http://user:pw@api.internal", "credentials")]
    [InlineData("http://api.internal:99999", "not a valid URL")]
    [InlineData("http://api .internal", "contains a space")]
    public void Invalid_endpoints_point_at_the_item(string endpoint, string problem)
    {
        var result = LoadClusters($"[[clusters]]\nid = \"api\"\nendpoints = [\"http://10.0.0.1:80\", \"{endpoint}\"]\n");

        ConfigAssert.Single(result, 6, 36, "must be an absolute http:// or https:// URL", problem);
    }

    [Fact]
    public void Duplicate_endpoint_in_one_cluster()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoints = [\"http://a:80\", \"http://a:80/\"]\n");

        ConfigAssert.Single(result, 6, 29, "appears twice", "first at test.toml:6:14");
    }

    [Fact]
    public void Cluster_ids_are_required_well_formed_and_unique()
    {
        var result = LoadClusters(
            "[[clusters]]\nendpoints = [\"http://a:80\"]\n" +
            "[[clusters]]\nid = \"a/b\"\nendpoints = [\"http://a:80\"]\n" +
            "[[clusters]]\nid = \"x\"\nendpoints = [\"http://a:80\"]\n" +
            "[[clusters]]\nid = \"x\"\nendpoints = [\"http://a:80\"]\n");

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 4, 1, "missing key 'id' in [[clusters]]");
        ConfigAssert.Has(result, 7, 6, "may contain only letters, digits", "\"a/b\"");
        ConfigAssert.Has(result, 13, 6, "duplicate cluster id \"x\"; it is already used at test.toml:10:6");
    }

    [Fact]
    public void Pool_settings_are_checked()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoints = [\"http://a:80\"]\nmax_idle_connections = -1\nidle_timeout = \"0ms\"\n");

        Assert.Equal(2, result.Errors.Count);
        ConfigAssert.Has(result, 7, 24, "'max_idle_connections' in [[clusters]] must not be negative, found -1");
        ConfigAssert.Has(result, 8, 16, "'idle_timeout' in [[clusters]] must be greater than zero, found 0s");
    }

    [Fact]
    public void Tls_table_requires_https_endpoints()
    {
        var result = LoadClusters("[[clusters]]\nid = \"api\"\nendpoints = [\"https://a\", \"http://b\"]\ntls = { server_name = \"api.internal\" }\n");

        ConfigAssert.Single(result, 6, 27, "endpoint \"http://b\" is plain http, but cluster 'api' has a tls table (test.toml:7:7)");
    }

    [Fact]
    public void Tls_files_and_pairs_are_checked()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("ca.pem", "ca");
        var file = dir.Write("c.toml", Listener + """
            [[clusters]]
            id = "api"
            endpoints = ["https://api.internal:8443"]
            [clusters.tls]
            server_name = "not a host"
            ca = "ca.pem"
            client_certificate = "client.pem"
            insecure = "yes"
            """);

        var result = ConfigLoader.Load(file);

        Assert.Equal(4, result.Errors.Count);
        ConfigAssert.Has(result, 7, 1, "missing key 'client_key' in [clusters.tls]");
        ConfigAssert.Has(result, 8, 15, "'server_name' in [clusters.tls] must be a host name");
        ConfigAssert.Has(result, 10, 22, "'client_certificate' in [clusters.tls] names " + Path.Combine(dir.Path, "client.pem"));
        ConfigAssert.Has(result, 11, 12, "'insecure' in [clusters.tls] must be true or false, found the string \"yes\"");
    }

    [Fact]
    public void Tls_config_is_mapped_with_resolved_paths()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("pki/ca.pem", "ca");
        dir.Write("pki/client.pem", "c");
        dir.Write("pki/client.key", "k");
        var file = dir.Write("c.toml", Listener + """
            [[clusters]]
            id = "api"
            endpoints = ["https://api.internal:8443"]
            tls = { server_name = "api.internal", ca = "pki/ca.pem", client_certificate = "pki/client.pem", client_key = "pki/client.key", insecure = true }
            """);

        var config = ConfigAssert.Valid(ConfigLoader.Load(file));

        Assert.Equal(new UpstreamTlsConfig
        {
            ServerName = "api.internal",
            CaFile = Path.Combine(dir.Path, "pki", "ca.pem"),
            ClientCertificateFile = Path.Combine(dir.Path, "pki", "client.pem"),
            ClientKeyFile = Path.Combine(dir.Path, "pki", "client.key"),
            Insecure = true,
        }, config.Clusters[0].Tls);
    }
}
