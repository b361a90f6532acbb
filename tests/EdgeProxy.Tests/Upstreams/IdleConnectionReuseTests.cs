using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Upstreams;

/// <summary>
/// The idle pool hands out its newest connection: after a burst, a light load keeps reusing one connection, and the
/// connections the burst left behind are closed once they have been idle for the cluster's timeout.
/// </summary>
public sealed class IdleConnectionReuseTests
{
    private const int Burst = 6;

    [Fact]
    public async Task After_a_burst_a_light_load_reuses_the_newest_connection_and_the_others_time_out()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(upstream, """
            idle_timeout = "1s"
            max_idle_connections = 16
            """);
        var endpoint = gateway.Host.Store.Current.Clusters["up"].Endpoints[0];

        // The burst: concurrent slow requests on their own client connections, so each takes an upstream connection.
        var clients = new List<RawClient>();
        for (var i = 0; i < Burst; i++)
        {
            var client = gateway.Connect();
            clients.Add(client);
            await client.SendAsync("GET /slow?ms=300 HTTP/1.1\r\nHost: a\r\n\r\n");
        }

        foreach (var client in clients)
        {
            Assert.Equal(200, (await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10))).Status);
            client.Dispose();
        }

        Assert.Equal(Burst, endpoint.OpenConnections);

        // The light load: one request every 50 ms for 2.5 s, well past the idle timeout.
        using var steady = gateway.Connect();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2.5);
        while (DateTime.UtcNow < until)
        {
            await steady.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await steady.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10))).Status);
            await Task.Delay(50);
        }

        // Oldest first, one per release: first-in-first-out would have kept all of them in use and open.
        await SettleAsync(endpoint, open: 1);
        Assert.Equal(1, endpoint.OpenConnections);
        Assert.Equal(1, endpoint.IdleConnections);
    }

    [Fact]
    public async Task With_max_idle_connections_0_a_connection_is_closed_after_its_exchange()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(upstream, "max_idle_connections = 0");
        var endpoint = gateway.Host.Store.Current.Clusters["up"].Endpoints[0];

        using var client = gateway.Connect();
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10))).Status);
        }

        await SettleAsync(endpoint, open: 0);
        Assert.Equal(0, endpoint.OpenConnections);
        Assert.Equal(0, endpoint.IdleConnections);
    }

    /// <summary>A gateway with one route to cluster "up" on <paramref name="upstream"/>, with <paramref name="clusterSettings"/>.</summary>
    private static Task<TestGateway> StartGatewayAsync(TestUpstream upstream, string clusterSettings) =>
        TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + clusterSettings + """


            [[routes]]
            id = "all"
            cluster = "up"
            path_prefix = "/"
            """));

    /// <summary>Waits (at most 2 s) for the open count to come down to <paramref name="open"/>: a close finishes in the background.</summary>
    private static async Task SettleAsync(EdgeProxy.Upstreams.UpstreamEndpoint endpoint, int open)
    {
        var settled = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (endpoint.OpenConnections > open && DateTime.UtcNow < settled)
        {
            await Task.Delay(20);
        }
    }
}
