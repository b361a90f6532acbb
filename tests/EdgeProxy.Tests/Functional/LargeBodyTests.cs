using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>
/// 1 GiB each way through the gateway. The test process also hosts the client and the upstream, so the bound
/// is on the whole process: a gateway that buffered the body would add a gigabyte.
/// </summary>
[Collection("memory")]
public sealed class LargeBodyTests : IAsyncLifetime
{
    private const long OneGiB = 1L << 30;
    private const long MaxGrowth = 96L << 20;
    private TestUpstream _upstream = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _upstream = await TestUpstream.StartAsync();
        _gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", _upstream.Url) + """
            [limits]
            max_body = "2GiB"

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

    [Fact]
    public async Task One_GiB_upload_streams_in_constant_memory()
    {
        using var monitor = new WorkingSetMonitor();
        using var client = _gateway.Connect();
        await client.SendAsync($"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {OneGiB}\r\n\r\n");
        var block = new byte[256 * 1024];
        RandomNumberGenerator.Fill(block);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long sent = 0; sent < OneGiB; sent += block.Length)
        {
            await client.Stream.WriteAsync(block);
            sha.AppendData(block);
        }

        var response = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(120));
        Assert.Equal($"{OneGiB}:{Convert.ToHexStringLower(sha.GetHashAndReset())}", response.BodyText);
        Assert.True(monitor.Growth < MaxGrowth, $"working set grew by {monitor.Growth >> 20} MiB");
    }

    [Fact]
    public async Task One_GiB_chunked_download_streams_in_constant_memory()
    {
        using var monitor = new WorkingSetMonitor();
        using var client = _gateway.Connect();
        await client.SendAsync($"GET /bytes?n={OneGiB}&chunked=1 HTTP/1.1\r\nHost: a\r\n\r\n");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var status = await client.ReadLineAsync(cts.Token);
        Assert.Equal("HTTP/1.1 200 OK", status);
        while ((await client.ReadLineAsync(cts.Token))!.Length > 0)
        {
        }

        long received = 0;
        while (true)
        {
            var size = Convert.ToInt32((await client.ReadLineAsync(cts.Token))!, 16);
            if (size == 0)
            {
                break;
            }

            received += (await client.ReadExactlyAsync(size, cts.Token)).Length;
            await client.ReadLineAsync(cts.Token);
        }

        Assert.Equal(OneGiB, received);
        Assert.True(monitor.Growth < MaxGrowth, $"working set grew by {monitor.Growth >> 20} MiB");
    }

    /// <summary>Samples the process working set every 50 ms and keeps the peak growth over the start.</summary>
    private sealed class WorkingSetMonitor : IDisposable
    {
        private readonly long _baseline;
        private readonly Timer _timer;
        private long _peak;

        public WorkingSetMonitor()
        {
            GC.Collect();
            _baseline = Process.GetCurrentProcess().WorkingSet64;
            _peak = _baseline;
            _timer = new Timer(_ =>
            {
                using var process = Process.GetCurrentProcess();
                var now = process.WorkingSet64;
                if (now > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, now);
                }
            }, null, 0, 50);
        }

        public long Growth => Interlocked.Read(ref _peak) - _baseline;

        public void Dispose() => _timer.Dispose();
    }
}

[CollectionDefinition("memory", DisableParallelization = true)]
public sealed class MemoryCollection;
