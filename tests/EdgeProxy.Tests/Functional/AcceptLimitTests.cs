using System.Net.Sockets;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>Per-address limits at accept time ([limits] max_connections_per_ip, connection_rate_per_ip), over real sockets.</summary>
public sealed class AcceptLimitTests
{
    private const string Route = "[[routes]]\nid = \"all\"\ncluster = \"app\"\npath_prefix = \"/\"\n";

    private static async Task<TestGateway> StartAsync(TestUpstream upstream, string limits) =>
        await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("app", upstream.Url) + limits), ("routes.toml", Route));

    private static async Task<int> GetStatusAsync(RawClient client)
    {
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        return (await client.ReadResponseAsync()).Status;
    }

    [Fact]
    public async Task Connections_over_the_per_address_cap_get_429_and_are_closed_and_a_slot_frees_when_one_closes()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, "[limits]\nmax_connections_per_ip = 2\n");
        using var first = gateway.Connect();
        using var second = gateway.Connect();
        Assert.Equal(200, await GetStatusAsync(first));
        Assert.Equal(200, await GetStatusAsync(second));

        using (var third = gateway.Connect())
        {
            var refused = await third.ReadResponseAsync();
            Assert.Equal(429, refused.Status);
            Assert.Equal("close", refused.Header("Connection"));
            Assert.True(await third.IsClosedAsync());
        }

        first.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        var status = 0;
        while (DateTime.UtcNow < deadline && status != 200)
        {
            // The gateway notices the close asynchronously; until then the slot is still taken.
            using var again = gateway.Connect();
            try
            {
                status = await GetStatusAsync(again);
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
            {
                status = 0;
            }

            if (status != 200)
            {
                await Task.Delay(50);
            }
        }

        Assert.Equal(200, status);
        Assert.Equal(200, await GetStatusAsync(second));
    }

    [Fact]
    public async Task New_connections_over_the_per_address_rate_are_refused()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, "[limits]\nconnection_rate_per_ip = \"3/h\"\n");
        for (var i = 0; i < 3; i++)
        {
            using var client = gateway.Connect();
            Assert.Equal(200, await GetStatusAsync(client));
        }

        using var over = gateway.Connect();
        Assert.Equal(429, (await over.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task A_burst_without_a_rate_is_reported_with_its_position()
    {
        var directory = Path.Combine(Path.GetTempPath(), "edgeproxy-accept-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var file = Path.Combine(directory, "main.toml");
            await File.WriteAllTextAsync(file, "[limits]\nmax_connections_per_ip = -1\nconnection_burst_per_ip = 5\n");
            var result = EdgeProxy.Policy.Config.ConfigLoader.Load(directory);
            Assert.Null(result.Config);
            Assert.Contains(result.Errors, e => e.Line == 2 && e.Message.Contains("max_connections_per_ip", StringComparison.Ordinal));
            Assert.Contains(result.Errors, e => e.Line == 3 && e.Message.Contains("needs 'connection_rate_per_ip'", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
