using EdgeProxy.Tests.Http;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>The shared malformed-request corpus over real sockets: the right status, then a closed connection, and nothing reaches the upstream.</summary>
public sealed class WireConformanceTests : IAsyncLifetime
{
    private TestUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", _upstream.Url) + """
            [limits]
            max_request_line = "1KiB"
            max_header_bytes = "4KiB"
            max_headers = 20
            header_timeout = "500ms"

            [[routes]]
            id = "all"
            cluster = "up"
            path_prefix = "/"
            """));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public static TheoryData<string, string, int> Invalid => HttpParsingData.InvalidRequests;

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Invalid_request_is_refused_and_the_connection_closed(string name, string request, int status)
    {
        using var client = _gateway.Connect();
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        Assert.True(status == response.Status, $"{name}: expected {status}, got {response.Status}");
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await client.IsClosedAsync(), name + ": connection left open");
        if (!name.StartsWith("chunk", StringComparison.Ordinal))
        {
            // Head errors are caught before anything is forwarded; chunk errors are caught mid-stream and the upstream exchange aborted.
            Assert.Equal(0, _upstream.Requests);
        }
    }

    [Fact]
    public async Task Smuggling_attempt_does_not_reach_upstream_as_second_request()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.True(await client.IsClosedAsync());
        Assert.Equal(0, _upstream.Requests);
    }

    [Fact]
    public async Task Request_line_over_limit_is_414()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET /" + new string('a', 2000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(414, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Header_section_over_limit_is_431()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + new string('b', 5000) + "\r\n\r\n");
        Assert.Equal(431, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Too_many_headers_is_431()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n" + string.Concat(Enumerable.Range(0, 25).Select(i => $"X-H{i}: v\r\n")) + "\r\n");
        Assert.Equal(431, (await client.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task Slow_header_section_is_cut_off_with_408()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n");
        var started = DateTime.UtcNow;
        var response = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
        Assert.Equal(408, response.Status);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3));
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Bad_chunk_in_body_is_400_and_closes()
    {
        using var client = _gateway.Connect();
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(400, response.Status);
        Assert.True(await client.IsClosedAsync());
    }
}
