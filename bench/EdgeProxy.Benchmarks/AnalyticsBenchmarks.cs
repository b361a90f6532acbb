using System.Net;
using BenchmarkDotNet.Attributes;
using EdgeProxy.Analytics;
using EdgeProxy.Benchmarks.InMemory;
using EdgeProxy.Http;
using EdgeProxy.Observability;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Benchmarks;

/// <summary>
/// Issue 7's gateway side: what recording one exchange costs on the request path (capture into the ring, plus the
/// shipper's take, so the ring never fills), and how many records per second the shipper encodes and compresses
/// into batches (zstd, LZ4, none), and the manager decodes.
/// </summary>
[MemoryDiagnoser]
public class AnalyticsBenchmarks
{
    private const int BatchSize = 1000;

    private readonly AnalyticsCapture _capture = new(65536);
    private readonly AnalyticsRecord[] _batch = new AnalyticsRecord[BatchSize];
    private readonly Func<int, string> _nameOf = AnalyticsNames.Of;
    private InMemoryProxy _proxy = null!;
    private ExchangeRecord _exchange;
    private AnalyticsBatchEncoder _zstd = null!;
    private AnalyticsBatchEncoder _lz4 = null!;
    private AnalyticsBatchEncoder _none = null!;
    private byte[] _encoded = [];
    private readonly RequestSampleRing _samples = new(RequestSampleRing.DefaultSlots, int.MaxValue);
    private byte[] _sampleHead = [];
    private readonly RequestHead _sampleRequest = new(100);

    [GlobalSetup]
    public void Setup()
    {
        _proxy = InMemoryProxy.Create();
        var snapshot = _proxy.Store.Current;
        var head = "GET /items/42 HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray();
        var request = new RequestHead(100);
        Http11Parser.ParseRequest(head, request, 100);
        var route = snapshot.Routes.Match(head, request, new Range[16])!;
        _exchange = new ExchangeRecord
        {
            UnixMicroseconds = ExchangeRecord.NowUnixMicroseconds(),
            Status = 200,
            BytesIn = 0,
            BytesOut = 1234,
            DurationMicroseconds = 850,
            UpstreamMicroseconds = 700,
            Route = route,
            Upstream = snapshot.Clusters["mem"].Endpoints[0],
            Client = "203.0.113.7",
            ClientAddress = IPAddress.Parse("203.0.113.7"),
        };

        // A realistic batch: 20 routes, 200 consumers, 4 endpoints, a few errors, times 100 µs apart.
        var random = new Random(1);
        var start = ExchangeRecord.NowUnixMicroseconds();
        for (var i = 0; i < BatchSize; i++)
        {
            var total = random.Next(200, 20_000);
            var error = random.Next(100) < 3;
            _batch[i] = new AnalyticsRecord
            {
                UnixMicroseconds = start + (i * 100),
                Route = AnalyticsNames.Intern($"route-{random.Next(20)}"),
                Consumer = AnalyticsNames.Intern($"consumer-{random.Next(200)}"),
                Upstream = AnalyticsNames.Intern($"http://10.0.0.{random.Next(4)}:8080"),
                Client = ClientPrefix.Of(new IPAddress([198, 51, (byte)random.Next(256), 1])),
                Method = random.Next(10) < 8 ? AnalyticsMethod.Get : AnalyticsMethod.Post,
                Status = (short)(error ? 502 : 200),
                Error = error ? AnalyticsErrorKind.ConnectRefused : AnalyticsErrorKind.None,
                TotalMicroseconds = total,
                UpstreamMicroseconds = total - random.Next(20, 150),
                BytesIn = random.Next(10) < 8 ? 0 : random.Next(100, 5000),
                BytesOut = random.Next(200, 50_000),
            };
        }

        // A browser-like request of 10 headers, three of them secret, and a secret in the query.
        _sampleHead = "GET /orders/42/items?page=2&access_token=abcdef0123456789 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\nAccept: application/json\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: en-GB,en;q=0.9\r\nAuthorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc\r\nCookie: session=0123456789abcdef; theme=dark\r\nX-Api-Key: ep_0123456789abcdef0123456789abcdef\r\nX-Request-Id: 0123456789abcdef01234567\r\nX-Custom: visible\r\n\r\n"u8.ToArray();
        Http11Parser.ParseRequest(_sampleHead, _sampleRequest, 100);

        _zstd = new AnalyticsBatchEncoder(AnalyticsCompression.Zstd);
        _lz4 = new AnalyticsBatchEncoder(AnalyticsCompression.Lz4);
        _none = new AnalyticsBatchEncoder(AnalyticsCompression.None);
        _encoded = _zstd.Encode("gw", 1, 1, start / 1000, _batch, _nameOf).ToArray();
        Console.WriteLine($"// batch of {BatchSize}: zstd {_encoded.Length} B, lz4 {_lz4.Encode("gw", 1, 1, start / 1000, _batch, _nameOf).Length} B, none {_none.Encode("gw", 1, 1, start / 1000, _batch, _nameOf).Length} B");
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _zstd.Dispose();
        _lz4.Dispose();
        _none.Dispose();
        await _proxy.DisposeAsync();
    }

    /// <summary>Request path: sample, claim a slot, fill it (name ids, /24 prefix, method code), publish. Plus the take.</summary>
    [Benchmark]
    public bool CaptureAndTake()
    {
        _capture.TryCapture(_exchange, "GET"u8, "0123456789abcdef01234567"u8);
        return _capture.TryTake(out _);
    }

    /// <summary>Request path of an error: claim a sample slot, write the target and headers scrubbed (as ClientConnection.TakeSample), commit; plus the shipper's release.</summary>
    [Benchmark]
    public int WriteErrorSample()
    {
        var ticket = _samples.TryClaim(out var slot);
        var head = _sampleHead.AsSpan();
        var writer = new AnalyticsSampleWriter(slot, _sampleRequest.Target(head), default);
        var headers = _sampleRequest.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            writer.AddHeader(headers.Name(head, i), headers.Value(head, i), "X-Api-Key"u8);
        }

        var length = writer.Finish();
        _samples.Commit(ticket, length);
        _samples.Release(ticket);
        return length;
    }

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int EncodeZstd() => _zstd.Encode("gw", 1, 2, 0, _batch, _nameOf).Length;

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int EncodeLz4() => _lz4.Encode("gw", 1, 2, 0, _batch, _nameOf).Length;

    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int EncodeUncompressed() => _none.Encode("gw", 1, 2, 0, _batch, _nameOf).Length;

    /// <summary>The manager's side with the shared decoder (allocates the batch's arrays and names).</summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int DecodeZstd() => AnalyticsBatchDecoder.Decode(_encoded).Records.Length;
}
