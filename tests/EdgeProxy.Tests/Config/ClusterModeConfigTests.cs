using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>[cluster] and cluster = true limits: parsed, defaulted, and bad values reported with their positions.</summary>
public sealed class ClusterModeConfigTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "edgeproxy-cluster-config-" + Guid.NewGuid().ToString("N"));

    public ClusterModeConfigTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ConfigLoadResult Load(string toml)
    {
        File.WriteAllText(Path.Combine(_directory, "main.toml"), toml + "\n[[listeners]]\nname = \"public\"\nlisten = \"127.0.0.1:0\"\n");
        return ConfigLoader.Load(_directory);
    }

    [Fact]
    public void Defaults_keep_everything_local()
    {
        var config = Load("").Config!;
        Assert.Equal("", config.ClusterMode.Redis);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.ClusterMode.SyncInterval);
        Assert.Equal(20, config.ClusterMode.Lease);
    }

    [Fact]
    public void A_cluster_section_and_a_shared_limit_are_read()
    {
        var result = Load("""
            [cluster]
            redis = "127.0.0.1:6379"
            sync_interval = "100ms"
            lease = 50
            key_prefix = "fleet-a"

            [[plans]]
            id = "gold"
            rate_limits = [{ name = "gold", rate = "10/s", cluster = true }]
            """);
        Assert.Empty(result.Errors);
        var config = result.Config!;
        Assert.Equal("127.0.0.1:6379", config.ClusterMode.Redis);
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.ClusterMode.SyncInterval);
        Assert.Equal(50, config.ClusterMode.Lease);
        Assert.Equal("fleet-a", config.ClusterMode.KeyPrefix);
        Assert.True(config.Plans[0].RateLimits[0].Cluster);
    }

    [Fact]
    public void Every_bad_value_is_reported_at_once_with_its_position()
    {
        var result = Load("""
            [cluster]
            redis = "localhost"
            sync_interval = "1ms"
            lease = 0
            key_prefix = "a b"

            [[routes]]
            id = "r"
            cluster = "c"
            path_prefix = "/"
            rate_limits = [{ name = "ip", scope = "route_ip", rate = "10/s", cluster = true }]
            """);
        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.Line == 2 && e.Message.Contains("'redis' in [cluster]", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Line == 3 && e.Message.Contains("'sync_interval' in [cluster]", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Line == 4 && e.Message.Contains("'lease'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Line == 5 && e.Message.Contains("'key_prefix'", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.Line == 11 && e.Message.Contains("always local", StringComparison.Ordinal));
    }
}
