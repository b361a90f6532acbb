using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Benchmarks.InMemory;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;

namespace EdgeProxy.Benchmarks;

/// <summary>
/// The whole request path in memory: parse, route, write the upstream request, read and relay the response.
/// Allocated bytes per operation is the figure that matters (0 is the bar); time shows the gateway's own cost.
/// <see cref="ProxiedGetWithAccessPolicies"/> is the same request on a route with an API key, two rate limits
/// and two quotas, none binding: the difference is what the access step costs.
/// </summary>
[MemoryDiagnoser]
public class ProxyPathBenchmarks
{
    private InMemoryProxy _proxy = null!;
    private ReadOnlyMemory<byte> _request;
    private ReadOnlyMemory<byte> _keyedRequest;
    private int _responseLength;
    private int _keyedResponseLength;

    [GlobalSetup]
    public void Setup()
    {
        var key = ApiKeyGenerator.Create(DateTimeOffset.UtcNow);
        _proxy = InMemoryProxy.Create(InMemoryProxy.AccessPolicyRoutes(key.Sha256));
        _request = Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n");
        _keyedRequest = Encoding.ASCII.GetBytes($"GET /keyed/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\nAccept: */*\r\nX-Api-Key: {key.Key}\r\n\r\n");
        _responseLength = _proxy.SendAndReadAllAsync(_request).GetAwaiter().GetResult().Length;
        _keyedResponseLength = _proxy.SendAndReadAllAsync(_keyedRequest).GetAwaiter().GetResult().Length;
    }

    [GlobalCleanup]
    public void Cleanup() => _proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public int ProxiedGet() => _proxy.SendAsync(_request, _responseLength).GetAwaiter().GetResult();

    [Benchmark]
    public int ProxiedGetWithAccessPolicies() => _proxy.SendAsync(_keyedRequest, _keyedResponseLength).GetAwaiter().GetResult();
}
