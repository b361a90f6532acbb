using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Http;

namespace EdgeProxy.Benchmarks;

/// <summary>Framing and parsing one request head, as a browser and as a minimal API client send it.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private readonly RequestHead _request = new(100);
    private byte[] _browser = [];
    private byte[] _minimal = [];

    [GlobalSetup]
    public void Setup()
    {
        _minimal = Encoding.ASCII.GetBytes("GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
        _browser = Encoding.ASCII.GetBytes(
            "GET /api/v1/orders/12345?expand=items&page=2 HTTP/1.1\r\n" +
            "Host: api.example.com\r\n" +
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
            "Accept: application/json, text/plain, */*\r\n" +
            "Accept-Language: en-US,en;q=0.9\r\n" +
            "Accept-Encoding: gzip, deflate, br\r\n" +
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc\r\n" +
            "Cookie: session=abcdef0123456789; theme=dark\r\n" +
            "X-Request-Id: 3f2c9a1e-trace\r\n" +
            "Connection: keep-alive\r\n\r\n");
    }

    [Benchmark(Baseline = true)]
    public int Minimal() => Parse(_minimal);

    [Benchmark]
    public int BrowserLike() => Parse(_browser);

    private int Parse(byte[] bytes)
    {
        var length = HeadFramer.FindEnd(bytes, 8192, 32768);
        Http11Parser.ParseRequest(bytes.AsSpan(0, length), _request, 100);
        return _request.Headers.Count;
    }
}
