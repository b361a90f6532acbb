using EdgeProxy.Policy.Config;
using EdgeProxy.Tests.Config;

namespace EdgeProxy.Tests.Analytics;

public sealed class AnalyticsConfigTests
{
    private const string Base = """
        [[listeners]]
        name = "public"
        listen = "127.0.0.1:8080"

        [[clusters]]
        id = "c"
        endpoints = ["http://127.0.0.1:9001"]

        """;

    [Fact]
    public void Analytics_section_and_route_sampling_load()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("main.toml", Base + """
            [analytics]
            endpoint = "http://127.0.0.1:9900/api/ingest"
            secret = "0123456789abcdef"
            batch_max_records = 500
            flush_interval = "2s"
            spool_dir = "spool"
            spool_max_bytes = "16MiB"
            compression = "lz4"

            [[routes]]
            id = "r"
            cluster = "c"
            path = "/"
            analytics = { sample = 0.1 }
            """);
        var result = ConfigLoader.Load(dir.Path);
        Assert.Empty(result.Errors);
        var a = result.Config!.Analytics;
        Assert.Equal("http://127.0.0.1:9900/api/ingest", a.Endpoint);
        Assert.Equal(500, a.BatchMaxRecords);
        Assert.Equal(TimeSpan.FromSeconds(2), a.FlushInterval);
        Assert.Equal(Path.Combine(dir.Path, "spool"), a.SpoolDir);
        Assert.Equal(16L * 1024 * 1024, a.SpoolMaxBytes);
        Assert.Equal("lz4", a.Compression);
        Assert.Equal(0.1, result.Config.Routes[0].Analytics!.Sample);
        Assert.DoesNotContain("0123456789abcdef", a.ToString(), StringComparison.Ordinal);
        Assert.Contains("Secret = (set)", a.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_analytics_error_is_reported_with_its_position()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("main.toml", Base + """
            [analytics]
            endpoint = "ftp://nowhere"
            secret = "short"
            batch_max_records = 0
            flush_interval = "0s"
            compression = "gzip"
            spool_max_bytes = -1

            [[routes]]
            id = "r"
            cluster = "c"
            path = "/"
            analytics = { sample = 1.5 }

            [[routes]]
            id = "s"
            cluster = "c"
            path = "/s"
            analytics = { sample = "half" }
            """);
        var errors = ConfigLoader.Load(dir.Path).Errors.Select(e => e.ToString()).ToArray();
        Assert.Contains(errors, e => e.Contains("main.toml:9:12:", StringComparison.Ordinal) && e.Contains("'endpoint' in [analytics]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:10:10:", StringComparison.Ordinal) && e.Contains("at least 16 characters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:11:21:", StringComparison.Ordinal) && e.Contains("'batch_max_records'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:12:18:", StringComparison.Ordinal) && e.Contains("'flush_interval'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:13:15:", StringComparison.Ordinal) && e.Contains("'compression'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:14:19:", StringComparison.Ordinal) && e.Contains("'spool_max_bytes'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:20:24:", StringComparison.Ordinal) && e.Contains("between 0 and 1", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("main.toml:26:24:", StringComparison.Ordinal) && e.Contains("'sample'", StringComparison.Ordinal));
        Assert.Equal(8, errors.Length);
    }

    [Fact]
    public void An_endpoint_without_a_secret_is_refused()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("main.toml", Base + """
            [analytics]
            endpoint = "http://127.0.0.1:9900/api/ingest"
            """);
        var error = Assert.Single(ConfigLoader.Load(dir.Path).Errors);
        Assert.Contains("missing key 'secret' in [analytics]", error.ToString(), StringComparison.Ordinal);
    }
}
