using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>Forwarding over real sockets: framing both ways, keep-alive, pipelining, header handling.</summary>
public sealed class ProxyForwardingTests : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", _upstream.Url) + """
            [[routes]]
            id = "api"
            cluster = "up"
            path_prefix = "/api"
            rewrite = { strip_prefix = "/api" }
            request_headers = { set = { "X-Route" = "api" }, remove = ["X-Secret"] }
            response_headers = { set = { "X-Served-By" = "edgeproxy" }, remove = ["X-Upstream"] }
            max_body = "1KiB"

            [[routes]]
            id = "items"
            cluster = "up"
            path = "/items/{id}/detail"
            rewrite = { replace = "/echo/item-{id}" }

            [[routes]]
            id = "any"
            cluster = "up"
            path_prefix = "/"
            """, gateway: """trusted_proxies = ["10.0.0.0/8"]"""));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static JsonElement Json(RawResponse response) => JsonDocument.Parse(response.Body).RootElement;

    [Fact]
    public async Task Get_is_forwarded_and_answered_with_content_length()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: example.test\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("Hello, world!", response.BodyText);
        Assert.Equal("13", response.Header("Content-Length"));
        Assert.Equal("1.1 edgeproxy", response.Header("Via"));
        Assert.Matches("^[0-9a-f]{24}$", response.Header("X-Request-Id"));
    }

    [Fact]
    public async Task Keep_alive_serves_many_requests_on_one_connection()
    {
        using var client = _gateway.Connect();
        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync($"GET /echo?i={i} HTTP/1.1\r\nHost: a\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal($"?i={i}", Json(response).GetProperty("query").GetString());
        }

        Assert.False(await client.IsClosedAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_order()
    {
        using var client = _gateway.Connect();
        var batch = string.Concat(Enumerable.Range(0, 10).Select(i => $"GET /echo?n={i} HTTP/1.1\r\nHost: a\r\n\r\n"));
        await client.SendAsync(batch);
        for (var i = 0; i < 10; i++)
        {
            var response = await client.ReadResponseAsync();
            Assert.Equal($"?n={i}", Json(response).GetProperty("query").GetString());
        }
    }

    [Fact]
    public async Task Hop_by_hop_headers_are_removed_and_forwarding_headers_added()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /echo HTTP/1.1\r\nHost: shop.test:8080\r\nConnection: keep-alive, X-Drop-Me\r\nX-Drop-Me: 1\r\n"
            + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nUpgrade: h2c\r\n"
            + "X-Forwarded-For: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\nX-Keep: yes\r\n\r\n");
        var headers = Json(await client.ReadResponseAsync()).GetProperty("headers");
        foreach (var gone in new[] { "x-drop-me", "keep-alive", "te", "proxy-authorization", "upgrade" })
        {
            Assert.False(headers.TryGetProperty(gone, out _), gone + " was forwarded");
        }

        Assert.Equal("yes", headers.GetProperty("x-keep").GetString());
        // 127.0.0.1 is not in trusted_proxies: the incoming chain is replaced, not appended to.
        Assert.Equal("127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("shop.test:8080", headers.GetProperty("x-forwarded-host").GetString());
        Assert.Equal("for=127.0.0.1;proto=http;host=\"shop.test:8080\"", headers.GetProperty("forwarded").GetString());
        Assert.Equal("1.1 edgeproxy", headers.GetProperty("via").GetString());
        Assert.Equal("shop.test:8080", headers.GetProperty("host").GetString());
        Assert.Matches("^[0-9a-f]{24}$", headers.GetProperty("x-request-id").GetString());
    }

    [Fact]
    public async Task Trusted_proxy_chain_is_appended_to()
    {
        await _gateway.WriteFileAsync("main.toml", TestGateway.MainToml(TestGateway.Cluster("up", _upstream.Url) + """
            [[routes]]
            id = "any"
            cluster = "up"
            path_prefix = "/"
            """, gateway: """trusted_proxies = ["127.0.0.1/32"]"""));
        await WaitForAsync(async () =>
        {
            using var probe = _gateway.Connect();
            await probe.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n");
            return Json(await probe.ReadResponseAsync()).GetProperty("headers").GetProperty("x-forwarded-for").GetString() == "203.0.113.9, 127.0.0.1";
        });

        using var client = _gateway.Connect();
        await client.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\nX-Forwarded-Proto: https\r\nForwarded: for=203.0.113.9\r\n\r\n");
        var headers = Json(await client.ReadResponseAsync()).GetProperty("headers");
        Assert.Equal("https", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("for=203.0.113.9, for=127.0.0.1;proto=http;host=\"a\"", headers.GetProperty("forwarded").GetString());
    }

    [Fact]
    public async Task Valid_incoming_request_id_is_kept_on_both_sides_and_invalid_one_replaced()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\nX-Request-Id: trace-42.a_b:c\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal("trace-42.a_b:c", response.Header("X-Request-Id"));
        Assert.Equal("trace-42.a_b:c", Json(response).GetProperty("headers").GetProperty("x-request-id").GetString());

        await client.SendAsync("GET /echo HTTP/1.1\r\nHost: a\r\nX-Request-Id: has space<script>\r\n\r\n");
        response = await client.ReadResponseAsync();
        Assert.Matches("^[0-9a-f]{24}$", response.Header("X-Request-Id"));
    }

    [Fact]
    public async Task Route_rewrites_and_header_transforms_apply()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /api/users?x=1 HTTP/1.1\r\nHost: a\r\nX-Secret: s\r\nX-Route: client\r\n\r\n");
        var response = await client.ReadResponseAsync();
        var json = Json(response);
        Assert.Equal("/users", json.GetProperty("path").GetString());
        Assert.Equal("?x=1", json.GetProperty("query").GetString());
        Assert.Equal("api", json.GetProperty("headers").GetProperty("x-route").GetString());
        Assert.False(json.GetProperty("headers").TryGetProperty("x-secret", out _));
        Assert.Equal("edgeproxy", response.Header("X-Served-By"));

        await client.SendAsync("GET /api/headers HTTP/1.1\r\nHost: a\r\n\r\n");
        response = await client.ReadResponseAsync();
        Assert.False(response.Has("X-Upstream"));
        Assert.False(response.Has("X-Hop"));
        Assert.False(response.Has("Keep-Alive"));

        await client.SendAsync("GET /items/42/detail HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("/echo/item-42", Json(await client.ReadResponseAsync()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Content_length_body_is_forwarded()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
        var json = Json(await client.ReadResponseAsync());
        Assert.Equal("hello world", json.GetProperty("body").GetString());
        Assert.Equal("11", json.GetProperty("headers").GetProperty("content-length").GetString());
    }

    [Fact]
    public async Task Chunked_request_body_is_decoded_and_reframed()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
        var json = Json(await client.ReadResponseAsync());
        Assert.Equal("hello world", json.GetProperty("body").GetString());
        Assert.Equal("chunked", json.GetProperty("headers").GetProperty("transfer-encoding").GetString());
    }

    [Fact]
    public async Task Chunked_response_is_streamed_chunked_to_http11_and_close_delimited_to_http10()
    {
        using (var client = _gateway.Connect())
        {
            await client.SendAsync("GET /chunked?parts=3 HTTP/1.1\r\nHost: a\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal("chunked", response.Header("Transfer-Encoding"));
            Assert.Equal("part0;part1;part2;", response.BodyText);
        }

        using (var client = _gateway.Connect())
        {
            await client.SendAsync("GET /chunked?parts=3 HTTP/1.0\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.False(response.Has("Transfer-Encoding"));
            Assert.Equal("part0;part1;part2;", response.BodyText);
            Assert.True(await client.IsClosedAsync());
        }
    }

    [Fact]
    public async Task Http10_client_gets_keep_alive_only_when_asked()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal("keep-alive", response.Header("Connection"));
        await client.SendAsync("GET /hello HTTP/1.0\r\n\r\n");
        response = await client.ReadResponseAsync();
        Assert.Equal("Hello, world!", response.BodyText);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Connection_close_is_honoured()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await client.IsClosedAsync());
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public async Task Bodyless_statuses_carry_no_body(int status)
    {
        using var client = _gateway.Connect();
        await client.SendAsync($"GET /status?code={status}&etag=%22v1%22 HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(status, response.Status);
        Assert.False(response.Has("Transfer-Encoding"));
        // The next response on the connection must parse cleanly: nothing was left over.
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("Hello, world!", (await client.ReadResponseAsync()).BodyText);
    }

    [Fact]
    public async Task Head_response_keeps_content_length_without_body()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync(headRequest: true);
        Assert.Equal("13", response.Header("Content-Length"));
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("Hello, world!", (await client.ReadResponseAsync()).BodyText);
    }

    [Fact]
    public async Task Expect_continue_is_answered_before_the_body_is_sent()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = await client.ReadResponseAsync();
        Assert.Equal(100, interim.Status);
        await client.SendAsync("hello");
        var json = Json(await client.ReadResponseAsync());
        Assert.Equal("hello", json.GetProperty("body").GetString());
        Assert.False(json.GetProperty("headers").TryGetProperty("expect", out _));
    }

    [Fact]
    public async Task Body_over_route_limit_is_refused_with_413_before_it_is_read()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("POST /api/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(413, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Chunked_body_over_route_limit_is_refused_with_413()
    {
        using var client = _gateway.Connect();
        var chunk = new string('x', 800);
        await client.SendAsync($"POST /api/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n{chunk}\r\n320\r\n{chunk}\r\n0\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(413, response.Status);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Server_sent_events_reach_the_client_before_the_upstream_finishes()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /sse HTTP/1.1\r\nHost: a\r\n\r\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? line;
        do
        {
            line = await client.ReadLineAsync(cts.Token);
        }
        while (line is not null && !line.Contains("data: first", StringComparison.Ordinal));

        Assert.NotNull(line);
        Assert.False(_upstream.SseRelease.Task.IsCompleted, "the upstream was still mid-stream");
        _upstream.SseRelease.TrySetResult();
    }

    [Fact]
    public async Task Absolute_form_target_is_forwarded_in_origin_form()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET http://a.test/echo?q=1 HTTP/1.1\r\nHost: a.test\r\n\r\n");
        var json = Json(await client.ReadResponseAsync());
        Assert.Equal("/echo", json.GetProperty("path").GetString());
        Assert.Equal("?q=1", json.GetProperty("query").GetString());
    }

    internal static async Task WaitForAsync(Func<Task<bool>> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("condition not met within " + seconds + " s");
    }
}
