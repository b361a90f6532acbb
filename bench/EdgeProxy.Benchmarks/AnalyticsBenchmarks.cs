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
