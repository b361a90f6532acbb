using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Benchmarks.InMemory;

namespace EdgeProxy.Benchmarks;

/// <summary>
/// The whole request path in memory: parse, route, write the upstream request, read and relay the response.
/// Allocated bytes per operation is the figure that matters (0 is the bar); time shows the gateway's own cost.
/// </summary>
[MemoryDiagnoser]
public class ProxyPathBenchmarks
{
    private InMemoryProxy _proxy = null!;
    private ReadOnlyMemory<byte> _request;
    private int _responseLength;

    [GlobalSetup]
    public void Setup()
    {
        _proxy = InMemoryProxy.Create();
        _request = Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n");
        _responseLength = _proxy.SendAndReadAllAsync(_request).GetAwaiter().GetResult().Length;
    }

    [GlobalCleanup]
    public void Cleanup() => _proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public int ProxiedGet() => _proxy.SendAsync(_request, _responseLength).GetAwaiter().GetResult();
}
