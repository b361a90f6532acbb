using System.Text.Json;
using EdgeProxy.Http;
using EdgeProxy.Observability;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Observability;

public sealed class AccessLogTests
{
    [Fact]
    public async Task Each_request_becomes_one_json_line_in_the_log_file()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var logFile = Path.Combine(Path.GetTempPath(), "edgeproxy-access-" + Guid.NewGuid().ToString("N") + ".log");
        try
        {
            await using (var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + """
                [[routes]]
                id = "all"
                cluster = "up"
                path_prefix = "/"
                """).Replace("access_log = \"off\"", $"access_log = \"{logFile}\"", StringComparison.Ordinal)))
            {
                using var client = gateway.Connect();
                await client.SendAsync("GET /hello?secret=1 HTTP/1.1\r\nHost: a\r\nX-Request-Id: log-test-1\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync()).Status);
                await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
                Assert.Equal(200, (await client.ReadResponseAsync()).Status);
                await ProxyForwardingTestsWait(() => File.Exists(logFile) && File.ReadAllLines(logFile).Length >= 2);
            }

            var lines = File.ReadAllLines(logFile).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
            Assert.Equal(2, lines.Length);
            var first = lines[0];
            Assert.Equal("log-test-1", first.GetProperty("request_id").GetString());
            Assert.Equal("GET", first.GetProperty("method").GetString());
            Assert.Equal("/hello", first.GetProperty("path").GetString());
            Assert.Equal("all", first.GetProperty("route").GetString());
            Assert.Equal(upstream.Url, first.GetProperty("upstream").GetString());
            Assert.Equal(200, first.GetProperty("status").GetInt32());
            Assert.Equal("127.0.0.1", first.GetProperty("client").GetString());
            Assert.Equal(13, first.GetProperty("bytes_out").GetInt64());
            Assert.True(first.GetProperty("duration_ms").GetDouble() >= first.GetProperty("upstream_ms").GetDouble());
            Assert.Equal(5, lines[1].GetProperty("bytes_in").GetInt64());
            Assert.DoesNotContain("secret", File.ReadAllText(logFile), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(logFile);
        }
    }

    [Fact]
    public void A_full_buffer_drops_and_counts_instead_of_blocking()
    {
        using var gate = new ManualResetEventSlim(false);
        using var stream = new BlockingStream(gate);
        using var log = new AccessLog(stream, ownsOutput: false, capacity: 4);
        var record = new ExchangeRecord { Status = 200, Client = "127.0.0.1" };

        // One line first, and wait until the writer thread is stuck writing it: from then on nothing leaves the ring.
        Assert.True(log.TryWrite(record, "GET"u8, "/x"u8, "id"u8));
        Assert.True(stream.Entered.Wait(TimeSpan.FromSeconds(10)), "the log's writer never wrote");
        var accepted = 0;
        var started = DateTime.UtcNow;
        for (var i = 0; i < 1000; i++)
        {
            if (log.TryWrite(record, "GET"u8, "/x"u8, "id"u8))
            {
                accepted++;
            }
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1), "writing to a full log blocked");
        Assert.True(accepted <= 4, $"{accepted} lines accepted into a ring of 4 while the writer was stuck");
        Assert.Equal(1000 - accepted, log.Dropped);
        gate.Set();
    }

    private static async Task ProxyForwardingTestsWait(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>An output whose writes wait until released: the log's writer thread gets stuck on it.</summary>
    private sealed class BlockingStream(ManualResetEventSlim gate) : MemoryStream
    {
        public ManualResetEventSlim Entered { get; } = new(false);

        public override void Write(byte[] buffer, int offset, int count)
        {
            Entered.Set();
            gate.Wait(TimeSpan.FromSeconds(10));
            base.Write(buffer, offset, count);
        }
    }
}
