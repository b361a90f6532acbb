using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>Per-route idle and total timeouts, and the keep-alive timeout between requests.</summary>
public sealed class TimeoutTests
{
    [Fact]
    public async Task Stalled_response_body_is_cut_after_the_idle_timeout()
    {
        await using var raw = new RawUpstream(async (stream, _) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf"u8.ToArray());
            await Task.Delay(5000);
        });
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + """
            [[routes]]
            id = "r"
            cluster = "raw"
            path_prefix = "/"
            timeouts = { idle = "300ms" }
            """));
        using var client = gateway.Connect();
        var started = DateTime.UtcNow;
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        await Assert.ThrowsAsync<IOException>(() => client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(4)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "the stalled body was not cut");
    }

    [Fact]
    public async Task Total_timeout_bounds_the_whole_exchange()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + """
            [[routes]]
            id = "r"
            cluster = "up"
            path_prefix = "/"
            timeouts = { response_headers = "10s", total = "400ms" }
            """));
        using var client = gateway.Connect();
        await client.SendAsync("GET /slow?ms=3000 HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(504, response.Status);
        Assert.Equal("total_timeout", JsonDocument.Parse(response.Body).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Idle_keep_alive_connection_is_closed_after_the_keepalive_timeout()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + """
            [limits]
            keepalive_timeout = "300ms"

            [[routes]]
            id = "r"
            cluster = "up"
            path_prefix = "/"
            """));
        using var client = gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedAsync(TimeSpan.FromSeconds(3)));
    }
}
