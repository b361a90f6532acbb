using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Benchmarks.InMemory;
using EdgeProxy.Policies.Auth;

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
        _proxy = InMemoryProxy.Create($$"""
            [[routes]]
            id = "all"
            cluster = "mem"
            path_prefix = "/"

            [[routes]]
            id = "keyed"
            cluster = "mem"
            path_prefix = "/keyed"
            auth = "api_key"
            rate_limits = [{ name = "route", scope = "route", rate = "100000000/s", burst = 100000000 }]

            [[plans]]
            id = "gold"
            rate_limits = [{ name = "gold", rate = "100000000/s", burst = 100000000 }]
            quotas = [{ period = "day", limit = 10000000000 }, { period = "month", limit = 100000000000 }]

            [[consumers]]
            id = "alice"
            plan = "gold"
            keys = [{ key_sha256 = "{{key.Sha256}}" }]
            """);
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
