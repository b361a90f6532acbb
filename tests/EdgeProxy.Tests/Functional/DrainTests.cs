using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>Shutdown drains: a request in flight finishes, idle keep-alive connections close, new ones are refused.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Stop_lets_the_request_in_flight_finish_then_closes()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + """
            [[routes]]
            id = "all"
            cluster = "up"
            path_prefix = "/"
            """, gateway: """drain_timeout = "5s" """));
        try
        {
            using var idle = gateway.Connect();
            await idle.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await idle.ReadResponseAsync()).Status);

            using var busy = gateway.Connect();
            await busy.SendAsync("GET /slow?ms=1000 HTTP/1.1\r\nHost: a\r\n\r\n");

            // Stop only once the slow request is at the upstream (a fixed delay raced a loaded box).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (upstream.Requests < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.Equal(2, upstream.Requests);
            var stopping = gateway.Host.StopAsync();

            var response = await busy.ReadResponseAsync();
            Assert.Equal("slow", response.BodyText);
            Assert.Equal("close", response.Header("Connection"));
            Assert.True(await idle.IsClosedAsync(), "idle keep-alive connection left open during drain");
            await stopping.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => gateway.Connect());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
