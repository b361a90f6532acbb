// Manager analytics ingest throughput (issue 7: at least 20,000 records/s).
//
//   dotnet run -c Release --project bench/ManagerIngest -- [--records 1000000] [--batch 1000] [--consumers 50] [--posters 2]
//
// Pre-encodes gateway batches with the gateway's own encoder (zstd), then measures two paths on a fresh SQLite file:
//   store: decode + fold + one transaction per batch (AnalyticsStore), single thread
//   http:  POST /api/ingest to the real manager host on 127.0.0.1 (signature check, replay check, decode, store)
// Cardinality: 20 routes x --consumers consumers x 2 upstreams x status classes, times advancing at 20k records/s.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using EdgeProxy.Manager;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Manager.Data;
using EdgeProxy.Policy.Analytics;

var records = Option("--records", 1_000_000);
var batchSize = Option("--batch", 1000);
var consumers = Option("--consumers", 50);
var posters = Option("--posters", 2);
const string Secret = "bench-secret-0123456789abcdef";

var names = new List<string> { "" };
for (var r = 0; r < 20; r++) names.Add("route-" + r);
for (var c = 0; c < consumers; c++) names.Add("consumer-" + c);
names.Add("http://10.0.0.1:8080");
names.Add("http://10.0.0.2:8080");
var firstConsumer = 21;
var firstUpstream = 21 + consumers;

var random = new Random(1);
var start = DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeMilliseconds() * 1000;
var batches = new List<byte[]>();
using (var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.Zstd))
{
    var buffer = new AnalyticsRecord[batchSize];
    for (var b = 0; b * batchSize < records; b++)
    {
        for (var i = 0; i < batchSize; i++)
        {
            var n = (b * batchSize) + i;
            var roll = random.Next(100);
            var total = (long)Math.Exp(random.NextDouble() * 7 + 5);
            buffer[i] = new AnalyticsRecord
            {
                UnixMicroseconds = start + (n * 50L), // 20,000 records per second of traffic
                Route = 1 + random.Next(20),
                Consumer = firstConsumer + random.Next(consumers),
                Upstream = firstUpstream + random.Next(2),
                Method = AnalyticsMethod.Get,
                Status = (short)(roll < 95 ? 200 : roll < 98 ? 404 : 503),
                Error = roll >= 98 ? AnalyticsErrorKind.UpstreamReset : AnalyticsErrorKind.None,
                TotalMicroseconds = total,
                UpstreamMicroseconds = total * 8 / 10,
                BytesIn = 200,
                BytesOut = 2000,
            };
        }

        batches.Add(encoder.Encode("bench", 1, (ulong)b + 1, start / 1000, buffer, id => names[id]).ToArray());
    }
}

var total_records = batches.Count * batchSize;
Console.WriteLine($"{batches.Count} batches x {batchSize} records, {consumers} consumers, {batches.Sum(b => b.Length) / batches.Count} bytes per batch (zstd)");

// 0. Decode alone (the share of the store path that is not SQLite).
{
    var clock = Stopwatch.StartNew();
    foreach (var body in batches)
    {
        AnalyticsBatchDecoder.Decode(body);
    }

    clock.Stop();
    Console.WriteLine($"decode: {total_records / clock.Elapsed.TotalSeconds:N0} records/s");
}

// 1. Store path, single thread.
{
    var dir = Directory.CreateTempSubdirectory("edgeproxy-ingest-bench-").FullName;
    var database = new ManagerDatabase(dir);
    database.Migrate();
    using var store = new AnalyticsStore(database);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    foreach (var body in batches)
    {
        store.Store(AnalyticsBatchDecoder.Decode(body), DateTimeOffset.UtcNow);
    }

    clock.Stop();
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    Console.WriteLine($"store: {total_records / clock.Elapsed.TotalSeconds:N0} records/s ({clock.Elapsed.TotalSeconds:F2} s wall, {total_records / cpu.TotalSeconds:N0} records per CPU-second, {new FileInfo(database.Path).Length / 1024} KiB db)");
    Directory.Delete(dir, recursive: true);
}

// 2. HTTP path: the real manager host, posters concurrent POSTs.
{
    var dir = Directory.CreateTempSubdirectory("edgeproxy-ingest-bench-http-").FullName;
    Directory.CreateDirectory(Path.Combine(dir, "config"));
    File.WriteAllText(Path.Combine(dir, "config", "edgeproxy.toml"), "[[listeners]]\nname = \"public\"\nlisten = \"127.0.0.1:0\"\n");
    await using var host = await ManagerHost.StartAsync(new ManagerOptions
    {
        ConfigDirectory = Path.Combine(dir, "config"),
        DataDirectory = Path.Combine(dir, "data"),
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        Analytics = new AnalyticsSettings { Secret = Secret },
    }, logging => logging.SetMinimumLevel(LogLevel.Warning));
    using var client = new HttpClient { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    var next = -1;
    var failures = 0;
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, posters).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < batches.Count)
        {
            var content = new ByteArrayContent(batches[i]);
            content.Headers.ContentType = new MediaTypeHeaderValue(AnalyticsWire.ContentType);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest") { Content = content };
            request.Headers.TryAddWithoutValidation(AnalyticsSignature.HeaderName,
                AnalyticsSignature.Create(Encoding.UTF8.GetBytes(Secret), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), batches[i]));
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }));
    clock.Stop();
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    Console.WriteLine($"http:  {total_records / clock.Elapsed.TotalSeconds:N0} records/s ({clock.Elapsed.TotalSeconds:F2} s wall, {total_records / cpu.TotalSeconds:N0} records per CPU-second of client and server, {posters} concurrent posters, {failures} non-200)");
    await host.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(dir, recursive: true);
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
