using System.Diagnostics;
using System.Net;
using System.Text;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// With <c>--analytics-otlp</c>, the real manager exports what it ingested as OTLP/HTTP protobuf to a real local
/// receiver: requests arrive on /v1/metrics with the rollup measures' names and the route's name in the body.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Ingested_rollups_are_exported_as_OTLP_metrics_to_v1_metrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var host = await AnalyticsTestHost.StartAsync(new AnalyticsSettings
        {
            Secret = BatchBuilder.Secret,
            OtlpEndpoint = new Uri(receiver.Url),
            OtlpInterval = TimeSpan.FromMilliseconds(200),
            // Other tests' managers run in this process at the same time: a meter of our own keeps their data out.
            MeterName = "EdgeProxy.Manager.Analytics.OtlpTest." + Guid.NewGuid().ToString("N"),
        });

        var now = DateTimeOffset.UtcNow;
        var builder = new BatchBuilder();
        for (var i = 0; i < 20; i++)
        {
            builder.Add(now.AddSeconds(-i), "otlp-orders-route", "alice", i % 10 == 0 ? 502 : 200, 1500, 1000,
                error: i % 10 == 0 ? AnalyticsErrorKind.ConnectRefused : AnalyticsErrorKind.None, api: "orders");
        }

        using var ingest = host.Manager.Client();
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

        string[] names = ["edgeproxy.analytics.requests", "edgeproxy.analytics.errors", "edgeproxy.analytics.failures",
            "edgeproxy.analytics.duration", "edgeproxy.analytics.bytes_out", "otlp-orders-route"];
        (string Path, string ContentType, byte[] Body) export = default;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && export.Body is null)
        {
            foreach (var received in receiver.Received)
            {
                var text = Encoding.UTF8.GetString(received.Body);
                if (names.All(n => text.Contains(n, StringComparison.Ordinal)))
                {
                    export = received;
                    break;
                }
            }

            await Task.Delay(100);
        }

        Assert.True(export.Body is not null, $"no export with every measure within 20 s; {receiver.Received.Count} requests received");
        Assert.Equal("/v1/metrics", export.Path);
        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.All(receiver.Received, r => Assert.Equal("/v1/metrics", r.Path));
        Assert.Contains("edgeproxy-manager", Encoding.UTF8.GetString(export.Body), StringComparison.Ordinal); // service.name
    }
}
