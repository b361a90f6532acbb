using System.Net;
using System.Text;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// <c>POST /api/ingest</c> on the real host with a real SQLite file: signed batches are stored once, replays get
/// 409, bad or stale signatures 401, malformed bodies 400, and every outcome is counted (JSON and /metrics).
/// </summary>
public sealed class IngestTests
{
    [Fact]
    public async Task A_signed_batch_is_stored_once_and_a_replay_gets_409()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var ingest = host.Manager.Client();
        var at = DateTimeOffset.UtcNow;
        var batch = new BatchBuilder()
            .Add(at, "orders", "alice", 200, 1000, 800)
            .Add(at, "orders", "alice", 503, 2000, 1900)
            .Add(at, "billing", "bob", 404, 500, 400)
            .Encode(sequence: 1);

        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, batch)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await BatchBuilder.PostAsync(ingest, batch)).StatusCode);

        using var admin = await host.Manager.AdminAsync();
        var series = await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?" + AnalyticsTestHost.Around(at));
        Assert.Equal(3, series.Total.Requests);
        Assert.Equal(1, series.Total.Errors);
        var stats = await AnalyticsTestHost.GetAsync<IngestStats>(admin, "/api/analytics/ingest");
        Assert.Equal(1, stats.AcceptedBatches);
        Assert.Equal(3, stats.AcceptedRecords);
        Assert.Equal(1, stats.Rejected["replayed"]);
    }

    [Fact]
    public async Task Unsigned_wrongly_signed_and_stale_batches_get_401_and_are_counted_by_reason()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var ingest = host.Manager.Client();
        var batch = new BatchBuilder().Add(DateTimeOffset.UtcNow, "orders", "alice", 200, 1000).Encode(sequence: 1);

        Assert.Equal(HttpStatusCode.Unauthorized, (await BatchBuilder.PostAsync(ingest, batch, secret: "some-other-secret-0123456789")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await BatchBuilder.PostAsync(ingest, batch, signedAt: DateTimeOffset.UtcNow.AddMinutes(-6))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await BatchBuilder.PostAsync(ingest, batch, signedAt: DateTimeOffset.UtcNow.AddMinutes(6))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await BatchBuilder.PostAsync(ingest, batch, signature: "t=1,v1=zz")).StatusCode);
        using (var unsigned = new ByteArrayContent(batch))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await ingest.PostAsync("/api/ingest", unsigned)).StatusCode);
        }

        // Within the window (4 minutes off) it is accepted: the bound is 5 minutes.
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, batch, signedAt: DateTimeOffset.UtcNow.AddMinutes(-4))).StatusCode);

        using var admin = await host.Manager.AdminAsync();
        var stats = await AnalyticsTestHost.GetAsync<IngestStats>(admin, "/api/analytics/ingest");
        Assert.Equal(2, stats.Rejected["bad_signature"]);
        Assert.Equal(2, stats.Rejected["stale_timestamp"]);
        Assert.Equal(1, stats.Rejected["unsigned"]);
        Assert.Equal(1, stats.AcceptedBatches);

        var metrics = await ingest.GetStringAsync("/metrics");
        Assert.Contains("edgeproxy_manager_ingest_rejected_total{reason=\"stale_timestamp\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("edgeproxy_manager_ingest_rejected_total{reason=\"bad_signature\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("edgeproxy_manager_ingest_records_total 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_secret_ingest_answers_503_and_stores_nothing()
    {
        await using var host = await AnalyticsTestHost.StartAsync(new AnalyticsSettings { Secret = "" });
        using var ingest = host.Manager.Client();
        var batch = new BatchBuilder().Add(DateTimeOffset.UtcNow, "orders", "alice", 200, 1000).Encode(sequence: 1);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await BatchBuilder.PostAsync(ingest, batch)).StatusCode);
    }

    [Fact]
    public async Task Truncated_corrupted_and_garbage_bodies_get_400_never_a_crash_and_ingest_keeps_working()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var ingest = host.Manager.Client();
        var at = DateTimeOffset.UtcNow;
        var builder = new BatchBuilder();
        for (var i = 0; i < 50; i++)
        {
            builder.Add(at, "orders", "c" + (i % 5), i % 7 == 0 ? 502 : 200, 1000 + i, 900, error: i % 7 == 0 ? AnalyticsErrorKind.UpstreamReset : AnalyticsErrorKind.None);
        }

        var statuses = new Dictionary<HttpStatusCode, int>();
        async Task SendAsync(byte[] body)
        {
            using var response = await BatchBuilder.PostAsync(ingest, body);
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
        }

        var attempts = 0;
        foreach (var compression in new[] { AnalyticsCompression.Zstd, AnalyticsCompression.Lz4, AnalyticsCompression.None })
        {
            var good = builder.Encode(sequence: 100 + (ulong)compression, compression: compression);

            // Every truncation (each is signed correctly: only the format is wrong).
            for (var length = 0; length < good.Length; length += Math.Max(1, good.Length / 60))
            {
                await SendAsync(good[..length]);
                attempts++;
            }

            // Random corruption of one to four bytes, fixed seed; a flip in the batch id may still decode (200 or 409).
            var random = new Random(7 + (int)compression);
            for (var round = 0; round < 60; round++)
            {
                var bad = (byte[])good.Clone();
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                {
                    bad[random.Next(bad.Length)] ^= (byte)random.Next(1, 256);
                }

                await SendAsync(bad);
                attempts++;
            }
        }

        var garbage = new Random(11);
        for (var round = 0; round < 40; round++)
        {
            var bytes = new byte[garbage.Next(0, 4000)];
            garbage.NextBytes(bytes);
            if (round % 2 == 0 && bytes.Length >= 4)
            {
                Encoding.ASCII.GetBytes("EPAB").CopyTo(bytes, 0); // past the magic, into the header checks
            }

            await SendAsync(bytes);
            attempts++;
        }

        Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500);
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.BadRequest) >= attempts - 200, $"statuses: {string.Join(", ", statuses.Select(s => $"{(int)s.Key}={s.Value}"))}");

        // The host still takes a good batch and answers queries.
        var fresh = new BatchBuilder().Add(at, "fresh", "zed", 200, 1234).Encode(sequence: 1, instance: 0xabc);
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, fresh)).StatusCode);
        using var admin = await host.Manager.AdminAsync();
        var routes = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, "/api/analytics/top/route?" + AnalyticsTestHost.Around(at));
        Assert.Equal(1, routes.Single(r => r.Name == "fresh").Requests);
        var stats = await AnalyticsTestHost.GetAsync<IngestStats>(admin, "/api/analytics/ingest");
        Assert.Equal(statuses.GetValueOrDefault(HttpStatusCode.BadRequest), stats.Rejected["malformed"]);
        Assert.Equal(attempts + 1, stats.AcceptedBatches + stats.Rejected.Values.Sum());
    }
}
