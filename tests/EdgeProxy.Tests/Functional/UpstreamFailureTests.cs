using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>What the gateway answers itself: 404, 502, 504 with a JSON body, and protocol switches.</summary>
public sealed class UpstreamFailureTests
{
    private static string Route(string id, string cluster, string prefix, string extra = "") => $$"""
        [[routes]]
        id = "{{id}}"
        cluster = "{{cluster}}"
        path_prefix = "{{prefix}}"
        {{extra}}

        """;

    private static int UnusedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static void AssertJsonError(RawResponse response, int status, string error)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal("application/json", response.Header("Content-Type"));
        var json = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal(error, json.GetProperty("error").GetString());
        Assert.Equal(response.Header("X-Request-Id"), json.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task A_refused_endpoint_fails_over_to_a_live_one_and_is_passed_over_afterwards()
    {
        await using var live = await TestUpstream.StartAsync();
        var dead = $"http://127.0.0.1:{UnusedPort()}";
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.MainToml(TestGateway.Cluster("pair", dead, live.Url) + Route("all", "pair", "/")));

        // Every request succeeds: a refused connect sends nothing, so the request moves to the live endpoint.
        for (var i = 0; i < 20; i++)
        {
            using var client = gateway.Connect();
            await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        }

        Assert.Equal(20, live.Requests);
        var endpoints = gateway.Host.Store.Current.Clusters["pair"].Endpoints.ToArray();
        Assert.False(endpoints.Single(e => dead.EndsWith(e.Name, StringComparison.Ordinal)).IsAvailable);
    }

    [Fact]
    public async Task When_every_endpoint_refuses_the_answer_is_502()
    {
        var first = $"http://127.0.0.1:{UnusedPort()}";
        var second = $"http://127.0.0.1:{UnusedPort()}";
        await using var gateway = await TestGateway.StartAsync(
            TestGateway.MainToml(TestGateway.Cluster("none", first, second) + Route("all", "none", "/")));
        using var client = gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        AssertJsonError(await client.ReadResponseAsync(), 502, "connect_refused");
    }

    [Fact]
    public async Task No_route_is_404_json_and_keeps_the_connection()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + Route("r", "up", "/only")));
        using var client = gateway.Connect();
        await client.SendAsync("GET /elsewhere HTTP/1.1\r\nHost: a\r\n\r\n");
        AssertJsonError(await client.ReadResponseAsync(), 404, "no route matches the request");
        await client.SendAsync("GET /only/hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task Refused_upstream_is_502()
    {
        var port = UnusedPort();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("dead", $"http://127.0.0.1:{port}") + Route("r", "dead", "/")));
        using var client = gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        AssertJsonError(await client.ReadResponseAsync(), 502, "connect_refused");
    }

    [Fact]
    public async Task Upstream_that_resets_mid_response_head_is_502()
    {
        await using var raw = new RawUpstream(async (stream, _) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-"u8.ToArray());
        });
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + Route("r", "raw", "/")));
        using var client = gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        AssertJsonError(await client.ReadResponseAsync(), 502, "upstream_protocol_error");
    }

    [Fact]
    public async Task Malformed_upstream_response_is_502_never_relayed()
    {
        await using var raw = RawUpstream.Replying("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + Route("r", "raw", "/")));
        using var client = gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        AssertJsonError(await client.ReadResponseAsync(), 502, "upstream_protocol_error");
    }

    [Fact]
    public async Task Slow_upstream_is_504_after_the_response_header_timeout()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url)
            + Route("r", "up", "/", """timeouts = { response_headers = "300ms" }""")));
        using var client = gateway.Connect();
        var started = DateTime.UtcNow;
        await client.SendAsync("GET /slow?ms=3000 HTTP/1.1\r\nHost: a\r\n\r\n");
        AssertJsonError(await client.ReadResponseAsync(), 504, "response_timeout");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public async Task Close_delimited_upstream_body_is_rechunked_for_http11_clients()
    {
        await using var raw = RawUpstream.Replying("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until close");
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + Route("r", "raw", "/")));
        using var client = gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal("chunked", response.Header("Transfer-Encoding"));
        Assert.Equal("body until close", response.BodyText);
        Assert.False(await client.IsClosedAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Interim_103_is_relayed_then_the_final_response()
    {
        await using var raw = RawUpstream.Replying("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + Route("r", "raw", "/")));
        using var client = gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var interim = await client.ReadResponseAsync();
        Assert.Equal(103, interim.Status);
        Assert.Equal("</a.css>; rel=preload", interim.Header("Link"));
        Assert.Equal("ok", (await client.ReadResponseAsync()).BodyText);
    }

    [Fact]
    public async Task Stale_pooled_connection_is_retried_transparently()
    {
        // Each upstream connection serves exactly one keep-alive response, then closes: the pooled connection is stale.
        await using var raw = new RawUpstream(async (stream, _) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            await Task.Delay(50);
        });
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + Route("r", "raw", "/")));
        for (var i = 0; i < 5; i++)
        {
            using var client = gateway.Connect();
            await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("ok", (await client.ReadResponseAsync()).BodyText);
            await Task.Delay(150);
        }
    }

    [Fact]
    public async Task Pooled_connection_closed_by_the_upstream_while_idle_is_not_used_for_a_request_with_a_body()
    {
        // A request with a body is never retried (the upstream may have acted on it), so the pool must notice that
        // the upstream closed its idle connection before sending on it: every POST here needs a fresh connection.
        await using var raw = new RawUpstream(async (stream, _) =>
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await stream.ReadExactlyAsync(new byte[5], bounded.Token);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            await Task.Delay(50);
        });
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("raw", raw.Url) + Route("r", "raw", "/")));
        for (var i = 0; i < 5; i++)
        {
            using var client = gateway.Connect();
            await client.SendAsync("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            var response = await client.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal("ok", response.BodyText);
            await Task.Delay(150);
        }

        Assert.Equal(5, raw.Connections);
    }

    [Fact]
    public async Task WebSocket_upgrade_becomes_a_tunnel()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + Route("r", "up", "/")));
        using var socket = new ClientWebSocket();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Endpoint.Port}/ws"), cts.Token);
        var buffer = new byte[1024];
        for (var i = 0; i < 5; i++)
        {
            var message = Encoding.UTF8.GetBytes($"ping {i}");
            await socket.SendAsync(message, WebSocketMessageType.Text, true, cts.Token);
            var result = await socket.ReceiveAsync(buffer, cts.Token);
            Assert.Equal($"ping {i}", Encoding.UTF8.GetString(buffer, 0, result.Count));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
    }
}
