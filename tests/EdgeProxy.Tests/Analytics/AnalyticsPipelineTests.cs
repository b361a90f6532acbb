using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;
using EdgeProxy.Policy.Analytics;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Analytics;

/// <summary>
/// The whole analytics path over real sockets: requests through the gateway, batches POSTed to a real local ingest
/// that verifies the signature and decodes with the shared decoder; the manager down and back; the spool bound.
/// </summary>
public sealed class AnalyticsPipelineTests
{
    private const string Secret = "analytics-test-secret-0123";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static string AnalyticsToml(string endpoint, string extra = "") => $$"""
        [analytics]
        endpoint = "{{endpoint}}"
        secret = "{{Secret}}"
        gateway_id = "gw-test"
        flush_interval = "50ms"
        {{extra}}
        """;

    /// <summary>A loopback port nothing listens on (bound, read, released).</summary>
    private static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Records_arrive_decoded_and_match_the_requests_sent_exactly()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);
        var key = ApiKeyGenerator.Create(DateTimeOffset.UtcNow);
        var deadPort = ClosedPort();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + TestGateway.Cluster("dead", $"http://127.0.0.1:{deadPort}") + $$"""
            {{AnalyticsToml(ingest.Url, "batch_max_records = 7")}}

            [[routes]]
            id = "hello"
            cluster = "up"
            path = "/hello"

            [[routes]]
            id = "status"
            cluster = "up"
            path = "/status"

            [[routes]]
            id = "keyed"
            cluster = "up"
            path_prefix = "/keyed"
            rewrite = { replace = "/hello" }
            auth = "api_key"

            [[routes]]
            id = "broken"
            cluster = "dead"
            path = "/broken"

            [[routes]]
            id = "orders-v1"
            cluster = "up"
            path = "/v1/orders"
            rewrite = { replace = "/hello" }

            [[routes]]
            id = "orders-v0"
            cluster = "up"
            path = "/v0/orders"

            [[apis]]
            id = "orders"
            title = "Orders"

            [[apis.versions]]
            version = "v1"
            state = "published"
            routes = ["orders-v1"]

            [[apis.versions]]
            version = "v0"
            state = "retired"
            routes = ["orders-v0"]

            [[consumers]]
            id = "alice"
            keys = [{ id = "alice-1", key_sha256 = "{{key.Sha256}}" }]
            """));
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };

        // (route, method, status, consumer, error, policy) of every request, in the order sent.
        var expected = new List<(string Route, AnalyticsMethod Method, int Status, string Consumer, AnalyticsErrorKind Error, string Policy)>();
        var requestIds = new List<string>(); // the X-Request-Id each answer carried
        async Task SendAsync(HttpMethod method, string path, (string, AnalyticsMethod, int, string, AnalyticsErrorKind, string) outcome, string? apiKey = null, string? body = null, string? requestId = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (requestId is not null)
            {
                request.Headers.Add("X-Request-Id", requestId);
            }

            if (apiKey is not null)
            {
                request.Headers.Add("X-Api-Key", apiKey);
            }

            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.ASCII);
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(outcome.Item3, (int)response.StatusCode);
            expected.Add(outcome);
            requestIds.Add(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        }

        for (var i = 0; i < 10; i++)
        {
            await SendAsync(HttpMethod.Get, "/hello", ("hello", AnalyticsMethod.Get, 200, "", AnalyticsErrorKind.None, ""));
        }

        for (var i = 0; i < 4; i++)
        {
            await SendAsync(HttpMethod.Post, "/hello", ("hello", AnalyticsMethod.Post, 200, "", AnalyticsErrorKind.None, ""), body: "abc", requestId: $"client-chosen:{i}_{new string('x', 48)}");
        }

        for (var i = 0; i < 5; i++)
        {
            await SendAsync(HttpMethod.Get, "/status?code=503", ("status", AnalyticsMethod.Get, 503, "", AnalyticsErrorKind.None, ""));
        }

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(HttpMethod.Delete, "/status?code=404", ("status", AnalyticsMethod.Delete, 404, "", AnalyticsErrorKind.None, ""));
        }

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(HttpMethod.Get, "/keyed/a", ("keyed", AnalyticsMethod.Get, 200, "alice", AnalyticsErrorKind.None, ""), apiKey: key.Key);
        }

        for (var i = 0; i < 2; i++)
        {
            await SendAsync(HttpMethod.Get, "/keyed/a", ("keyed", AnalyticsMethod.Get, 401, "", AnalyticsErrorKind.Unauthorized, "api_key"));
        }

        for (var i = 0; i < 2; i++)
        {
            await SendAsync(HttpMethod.Get, "/nowhere", ("", AnalyticsMethod.Get, 404, "", AnalyticsErrorKind.NoRoute, ""));
        }

        await SendAsync(HttpMethod.Get, "/broken", ("broken", AnalyticsMethod.Get, 502, "", AnalyticsErrorKind.ConnectRefused, ""));
        for (var i = 0; i < 2; i++)
        {
            await SendAsync(HttpMethod.Get, "/v1/orders", ("orders-v1", AnalyticsMethod.Get, 200, "", AnalyticsErrorKind.None, ""));
        }

        await SendAsync(HttpMethod.Get, "/v0/orders", ("orders-v0", AnalyticsMethod.Get, 410, "", AnalyticsErrorKind.Gone, ""));

        await ingest.WaitForRecordsAsync(expected.Count, Wait);
        await Task.Delay(300);
        var batches = ingest.Batches.ToArray();
        var records = batches.SelectMany(b => b.Records.Select(r => (Batch: b, Record: r))).ToArray();
        Assert.Equal(expected.Count, records.Length);
        Assert.Equal(0, ingest.BadSignatures);
        Assert.Equal(0, ingest.Malformed);

        // Sent one at a time, so the records come in request order.
        for (var i = 0; i < expected.Count; i++)
        {
            var (batch, r) = records[i];
            var e = expected[i];
            Assert.Equal(e, (batch.NameOf(r.Route), r.Method, (int)r.Status, batch.NameOf(r.Consumer), r.Error, batch.NameOf(r.Policy)));
            Assert.Equal("127.0.0.0/24", r.Client.ToString());
            Assert.Equal(requestIds[i], r.RequestId.ToString()); // the gateway's own 24-hex id, or the client's (up to 64 bytes)
            if (e.Method == AnalyticsMethod.Post)
            {
                Assert.Equal(64, requestIds[i].Length); // the client's own id, kept at the 64-byte bound
            }

            Assert.True(r.TotalMicroseconds >= r.UpstreamMicroseconds, $"record {i}: total {r.TotalMicroseconds} < upstream {r.UpstreamMicroseconds}");
            Assert.Equal(r.TotalMicroseconds - r.UpstreamMicroseconds, r.OverheadMicroseconds);
            Assert.Equal(AnalyticsCacheStatus.None, r.Cache);
            var (api, version) = e.Route switch { "orders-v1" => ("orders", "v1"), "orders-v0" => ("orders", "v0"), _ => ("", "") };
            Assert.Equal((api, version), (batch.NameOf(r.Api), batch.NameOf(r.ApiVersion)));
            if (e.Route is "hello" or "status" || (e.Route == "keyed" && e.Status == 200))
            {
                Assert.Equal(upstream.Url, batch.NameOf(r.Upstream));
                Assert.True(r.UpstreamMicroseconds > 0, $"record {i} has no upstream time");
            }

            if (e.Route == "broken")
            {
                Assert.Equal($"http://127.0.0.1:{deadPort}", batch.NameOf(r.Upstream));
            }

            if (e.Method == AnalyticsMethod.Post)
            {
                Assert.Equal(3, r.BytesIn);
            }

            if (e.Route == "hello")
            {
                Assert.Equal(13, r.BytesOut);
            }

            Assert.InRange(r.UnixMicroseconds, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() * 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        }

        // At most batch_max_records per batch, one gateway instance, sequence numbers 1, 2, 3... in arrival order.
        Assert.All(batches, b => Assert.InRange(b.Records.Length, 1, 7));
        Assert.All(batches, b => Assert.Equal("gw-test", b.Header.GatewayId));
        Assert.Single(batches.Select(b => b.Header.Instance).Distinct());
        Assert.Equal(Enumerable.Range(1, batches.Length).Select(i => (ulong)i), batches.Select(b => b.Header.Sequence));
        Assert.Equal(AnalyticsCompression.Zstd, batches[0].Header.Compression);

        var shipper = gateway.Host.Analytics!;
        Assert.Equal(expected.Count, shipper.RecordsSent);
        Assert.Equal(batches.Length, shipper.BatchesSent);
        Assert.Equal(0, shipper.Capture.Dropped);
    }

    [Fact]
    public async Task Manager_down_spools_batches_and_sends_every_record_in_order_once_it_is_back()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);
        await ingest.StopAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + AnalyticsToml(ingest.Url, """
                batch_max_records = 5
                compression = "lz4"
                spool_dir = "spool"
                spool_max_bytes = "1MiB"
                """) + """

            [[routes]]
            id = "hello"
            cluster = "up"
            path = "/hello"
            """));
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        var shipper = gateway.Host.Analytics!;
        const int Requests = 40;
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/hello");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // All 40 records end up in spool files on disk while the manager is down.
        var spool = Path.Combine(gateway.Directory, "spool");
        await WaitUntilAsync(() => SpooledRecords(spool) == Requests);
        Assert.Equal(Requests, SpooledRecords(spool));
        Assert.Equal(0, shipper.RecordsSent);
        Assert.True(shipper.SpoolBytes > 0);

        await ingest.StartAsync();
        await ingest.WaitForRecordsAsync(Requests, Wait);
        await WaitUntilAsync(() => shipper.SpoolBytes == 0);
        await Task.Delay(300);

        var batches = ingest.Batches.ToArray();
        var records = batches.SelectMany(b => b.Records).ToArray();
        Assert.Equal(Requests, records.Length);
        Assert.All(records, r => Assert.Equal(200, r.Status));
        Assert.All(batches, b => Assert.Equal(AnalyticsCompression.Lz4, b.Header.Compression));

        // Re-sent oldest first: batch numbers and record times both rise in arrival order.
        Assert.Equal(batches.Select(b => b.Header.Sequence).Order(), batches.Select(b => b.Header.Sequence));
        Assert.Equal(records.Select(r => r.UnixMicroseconds).Order(), records.Select(r => r.UnixMicroseconds));
        Assert.Equal(0, shipper.SpoolBytes);
        Assert.Empty(Directory.GetFiles(spool));
        Assert.Equal(0, shipper.DroppedSpoolFull + shipper.DroppedNoSpool + shipper.DroppedRejected + shipper.Capture.Dropped);
        Assert.Equal(Requests, shipper.RecordsSent);
    }

    [Fact]
    public async Task A_full_spool_drops_and_counts_what_does_not_fit()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + AnalyticsToml($"http://127.0.0.1:{ClosedPort()}/api/ingest", """
                batch_max_records = 5
                spool_dir = "spool"
                spool_max_bytes = "1KiB"
                """) + """

            [[routes]]
            id = "hello"
            cluster = "up"
            path = "/hello"
            """));
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        var shipper = gateway.Host.Analytics!;
        const int Requests = 60;
        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/hello");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var spool = Path.Combine(gateway.Directory, "spool");
        await WaitUntilAsync(() => SpooledRecords(spool) + shipper.DroppedSpoolFull == Requests);

        // Every record is either in the spool (read back with the shared decoder) or counted as dropped.
        var spooled = SpooledRecords(spool);
        Assert.True(shipper.DroppedSpoolFull > 0, "nothing dropped although 60 records cannot fit in 1 KiB");
        Assert.True(spooled > 0, "nothing spooled");
        Assert.Equal(Requests, spooled + shipper.DroppedSpoolFull);
        Assert.True(shipper.SpoolBytes <= 1024, $"spool holds {shipper.SpoolBytes} B, bound 1024");
        Assert.Equal(shipper.SpoolBytes, Directory.GetFiles(spool, "*.epab").Sum(f => new FileInfo(f).Length));

        using var admin = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = await admin.GetStringAsync($"{gateway.AdminUrl}/metrics");
        Assert.Contains("edgeproxy_analytics_records_dropped_total{reason=\"spool_full\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("edgeproxy_analytics_spool_bytes", metrics, StringComparison.Ordinal);
        Assert.Contains("edgeproxy_analytics_batches_sent_total", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sampling_keeps_every_error_and_leaves_out_successes()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + AnalyticsToml(ingest.Url) + """

            [[routes]]
            id = "status"
            cluster = "up"
            path = "/status"
            analytics = { sample = 0 }
            """));
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 20; i++)
        {
            using var ok = await client.GetAsync("/status?code=200");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            if (i % 5 == 0)
            {
                using var failed = await client.GetAsync("/status?code=500");
                Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            }
        }

        await ingest.WaitForRecordsAsync(4, Wait);
        await Task.Delay(500);
        var records = ingest.Batches.SelectMany(b => b.Records).ToArray();
        Assert.Equal(4, records.Length);
        Assert.All(records, r => Assert.Equal(500, r.Status));
        Assert.Equal(20, gateway.Host.Analytics!.Capture.SampledOut);
    }

    [Fact]
    public async Task Stopping_the_gateway_ships_what_the_buffer_still_holds()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);

        // Neither bound is reached before the stop: only the shutdown flush can send these.
        var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + AnalyticsToml(ingest.Url).Replace("flush_interval = \"50ms\"", "flush_interval = \"1h\"", StringComparison.Ordinal) + """

            [[routes]]
            id = "hello"
            cluster = "up"
            path = "/hello"
            """));
        using (var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) })
        {
            for (var i = 0; i < 7; i++)
            {
                using var response = await client.GetAsync("/hello");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        await Task.Delay(300);
        Assert.Equal(0, ingest.RecordCount);
        await gateway.DisposeAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(7, ingest.RecordCount);
        Assert.Single(ingest.Batches);
    }

    [Fact]
    public async Task Batches_spooled_before_a_restart_are_sent_by_the_next_gateway_process()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);
        await ingest.StopAsync();
        var spool = Path.Combine(Path.GetTempPath(), "edgeproxy-spool-" + Guid.NewGuid().ToString("N"));
        try
        {
            var toml = TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + AnalyticsToml(ingest.Url, $$"""
                batch_max_records = 4
                spool_dir = "{{spool}}"
                """) + """

                [[routes]]
                id = "hello"
                cluster = "up"
                path = "/hello"
                """);
            var first = await TestGateway.StartAsync(toml);
            var firstInstance = first.Host.Analytics!.Instance;
            using (var client = new HttpClient { BaseAddress = new Uri(first.BaseUrl), Timeout = TimeSpan.FromSeconds(10) })
            {
                for (var i = 0; i < 10; i++)
                {
                    using var response = await client.GetAsync("/hello");
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }
            }

            await first.DisposeAsync().AsTask().WaitAsync(Wait);
            Assert.Equal(10, SpooledRecords(spool));

            // The manager is back, and a new gateway process starts on the same spool.
            await ingest.StartAsync();
            await using var second = await TestGateway.StartAsync(toml);
            await ingest.WaitForRecordsAsync(10, Wait);
            await WaitUntilAsync(() => second.Host.Analytics!.SpoolBytes == 0);
            var batches = ingest.Batches.ToArray();
            Assert.Equal(10, batches.Sum(b => b.Records.Length));
            Assert.All(batches, b => Assert.Equal(firstInstance, b.Header.Instance));
            Assert.Equal(batches.Select(b => b.Header.Sequence).Order(), batches.Select(b => b.Header.Sequence));
            Assert.Empty(Directory.GetFiles(spool));
        }
        finally
        {
            Directory.Delete(spool, recursive: true);
        }
    }

    [Fact]
    public async Task Concurrent_connections_lose_no_record()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + AnalyticsToml(ingest.Url, "batch_max_records = 64") + """

            [[routes]]
            id = "hello"
            cluster = "up"
            path = "/hello"

            [[routes]]
            id = "status"
            cluster = "up"
            path = "/status"
            """));
        const int Clients = 8;
        const int PerClient = 60;
        var tasks = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
            for (var i = 0; i < PerClient; i++)
            {
                using var response = await client.GetAsync(i % 3 == 0 ? "/status?code=503" : "/hello");
                Assert.Equal(i % 3 == 0 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode);
            }
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(Wait);

        await ingest.WaitForRecordsAsync(Clients * PerClient, Wait);
        await Task.Delay(300);
        var batches = ingest.Batches.ToArray();
        var records = batches.SelectMany(b => b.Records.Select(r => (Route: b.NameOf(r.Route), r.Status))).ToArray();
        Assert.Equal(Clients * PerClient, records.Length);
        Assert.Equal(Clients * (PerClient / 3), records.Count(r => r is ("status", 503)));
        Assert.Equal(Clients * (PerClient - (PerClient / 3)), records.Count(r => r is ("hello", 200)));
        Assert.Equal(0, gateway.Host.Analytics!.Capture.Dropped);
    }

    [Fact]
    public void A_full_capture_buffer_drops_and_counts_without_waiting()
    {
        var capture = new EdgeProxy.Analytics.AnalyticsCapture(4);
        var exchange = new EdgeProxy.Observability.ExchangeRecord { Status = 200, Client = "127.0.0.1", ClientAddress = IPAddress.Loopback };
        var accepted = 0;
        for (var i = 0; i < 10; i++)
        {
            exchange.BytesOut = i;
            accepted += capture.TryCapture(exchange, "GET"u8, "0123456789abcdef01234567"u8) ? 1 : 0;
        }

        Assert.Equal(4, accepted);
        Assert.Equal(6, capture.Dropped);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(capture.TryTake(out var record));
            Assert.Equal(i, record.BytesOut);
            Assert.Equal("127.0.0.0/24", record.Client.ToString());
            Assert.Equal("0123456789abcdef01234567", record.RequestId.ToString());
        }

        Assert.False(capture.TryTake(out _));
        Assert.True(capture.TryCapture(exchange, "GET"u8, "0123456789abcdef01234567"u8), "a drained buffer takes records again");
    }

    /// <summary>Secrets a client sends in headers and the query; none may leave the gateway in a sample.</summary>
    private static readonly string[] Secrets = ["SECRET-AUTH-1", "SECRET-KEY-2", "SECRET-COOKIE-3", "SECRET-PARTNER-4", "SECRET-Q-5", "SECRET-Q-6"];

    private static HttpRequestMessage WithSecrets(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path + "?partner_key=SECRET-Q-5&page=2&access_token=SECRET-Q-6");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer SECRET-AUTH-1");
        request.Headers.TryAddWithoutValidation("X-Api-Key", "SECRET-KEY-2");
        request.Headers.TryAddWithoutValidation("Cookie", "sid=SECRET-COOKIE-3");
        request.Headers.TryAddWithoutValidation("X-Partner", "SECRET-PARTNER-4");
        request.Headers.TryAddWithoutValidation("X-Custom", "visible");
        return request;
    }

    [Fact]
    public async Task Error_records_carry_the_request_target_and_headers_with_every_secret_redacted()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var ingest = await TestIngest.StartAsync(Secret);
        var deadPort = ClosedPort();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("up", upstream.Url) + TestGateway.Cluster("dead", $"http://127.0.0.1:{deadPort}") + AnalyticsToml(ingest.Url) + """

            [api_keys]
            header = "X-Partner"
            query_parameter = "partner_key"

            [[routes]]
            id = "broken"
            cluster = "dead"
            path = "/broken"

            [[routes]]
            id = "status"
            cluster = "up"
            path = "/status"

            [[routes]]
            id = "keyed"
            cluster = "up"
            path = "/keyed"
            auth = "api_key"
            """));
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };

        // Connect refused (502), a refusal by the key policy (401), a success (no sample), and a 5xx answer to a request
        // with a body: its head is consumed before the upstream answers, so the sample comes from the kept copy.
        async Task SendAsync(HttpMethod method, string path, HttpStatusCode status)
        {
            using var request = WithSecrets(method, path);
            using var response = await client.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
        }

        await SendAsync(HttpMethod.Get, "/broken", HttpStatusCode.BadGateway);
        await SendAsync(HttpMethod.Get, "/keyed", HttpStatusCode.Unauthorized);
        using (var ok = await client.GetAsync("/status?code=200"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var post = WithSecrets(HttpMethod.Post, "/status"))
        {
            post.RequestUri = new Uri(post.RequestUri!.OriginalString.Replace("page=2", "code=503", StringComparison.Ordinal), UriKind.Relative);
            post.Content = new StringContent("payload", Encoding.ASCII);
            using var response = await client.SendAsync(post);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        await ingest.WaitForRecordsAsync(4, Wait);
        var records = ingest.Batches.SelectMany(b => b.Records.Select(r => (Batch: b, Record: r))).ToArray();
        Assert.Equal(4, records.Length);
        var errors = records.Where(r => r.Record.IsError).ToArray();
        Assert.Equal([502, 401, 503], errors.Select(e => (int)e.Record.Status));
        Assert.All(records.Where(r => !r.Record.IsError), r => Assert.Null(r.Batch.SampleOf(r.Record)));
        var expectedTargets = new[]
        {
            "/broken?partner_key=[redacted]&page=2&access_token=[redacted]",
            "/keyed?partner_key=[redacted]&page=2&access_token=[redacted]",
            "/status?partner_key=[redacted]&code=[redacted]&access_token=[redacted]", // "code" looks secret too: over-redaction is the safe side
        };
        for (var i = 0; i < errors.Length; i++)
        {
            var sample = errors[i].Batch.SampleOf(errors[i].Record);
            Assert.NotNull(sample);
            Assert.Equal(expectedTargets[i], sample.Target);
            var headers = sample.Headers.ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("visible", headers["X-Custom"].Value);
            Assert.False(headers["X-Custom"].Redacted);
            Assert.Equal($"127.0.0.1:{gateway.Endpoint.Port}", headers["Host"].Value);
            foreach (var secret in new[] { "Authorization", "X-Api-Key", "Cookie", "X-Partner" })
            {
                Assert.True(headers[secret].Redacted, secret);
                Assert.Equal(RequestScrub.RedactedText, headers[secret].Value);
            }

            var text = sample.Target + string.Join('\n', sample.Headers.Select(h => h.Name + ": " + h.Value));
            Assert.All(Secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
        }

        Assert.Contains(errors[2].Batch.SampleOf(errors[2].Record)!.Headers, h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && h.Value == "7");
        var samples = gateway.Host.Analytics!.Capture.Samples;
        Assert.Equal(3, samples.Written);
        Assert.Equal(0, samples.SkippedFull + samples.SkippedRate);
    }

    /// <summary>
    /// More errors than sample slots while the shipper holds every sample (a long flush interval keeps the batch open):
    /// the slots fill, later errors go without a sample and are counted, and every record still arrives.
    /// </summary>
    [Fact]
    public async Task A_burst_of_errors_beyond_the_sample_slots_keeps_every_record_and_counts_the_skipped_samples()
    {
        await using var ingest = await TestIngest.StartAsync(Secret);
        var deadPort = ClosedPort();
        var gateway = await TestGateway.StartAsync(TestGateway.MainToml(
            TestGateway.Cluster("dead", $"http://127.0.0.1:{deadPort}")
            + AnalyticsToml(ingest.Url, "batch_max_records = 100000\nerror_samples_per_second = 100000").Replace("flush_interval = \"50ms\"", "flush_interval = \"1h\"", StringComparison.Ordinal) + """

            [[routes]]
            id = "broken"
            cluster = "dead"
            path = "/broken"
            """));
        const int Errors = EdgeProxy.Analytics.RequestSampleRing.DefaultSlots + 60;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
            var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < Errors / 4; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/broken?i=" + i);
                    request.Headers.TryAddWithoutValidation("X-Custom", "burst");
                    using var response = await client.SendAsync(request);
                    Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
                }
            })).ToArray();
            await Task.WhenAll(tasks).WaitAsync(Wait);

            var samples = gateway.Host.Analytics!.Capture.Samples;
            Assert.Equal(EdgeProxy.Analytics.RequestSampleRing.DefaultSlots, samples.Written);
            Assert.Equal(Errors - EdgeProxy.Analytics.RequestSampleRing.DefaultSlots, samples.SkippedFull);
            Assert.Equal(0, samples.SkippedRate);
            Assert.Equal(0, ingest.RecordCount);
            using var admin = new HttpClient { BaseAddress = new Uri(gateway.AdminUrl), Timeout = TimeSpan.FromSeconds(10) };
            Assert.Matches("edgeproxy_analytics_samples_skipped_total\\{reason=\"buffer_full\"\\} [1-9]", await admin.GetStringAsync("/metrics"));
        }
        finally
        {
            // The shutdown flush ships the open batch.
            await gateway.DisposeAsync().AsTask().WaitAsync(Wait);
        }

        var records = ingest.Batches.SelectMany(b => b.Records.Select(r => (Batch: b, Record: r))).ToArray();
        Assert.Equal(Errors, records.Length);
        Assert.All(records, r => Assert.Equal(502, r.Record.Status));
        var sampled = records.Where(r => r.Batch.SampleOf(r.Record) is not null).ToArray();
        Assert.Equal(EdgeProxy.Analytics.RequestSampleRing.DefaultSlots, sampled.Length);
        Assert.All(sampled, r => Assert.Equal("burst", r.Batch.SampleOf(r.Record)!.Headers.Single(h => h.Name == "X-Custom").Value));
    }

    [Fact]
    public void Sample_slots_are_claimed_without_waiting_capped_per_second_and_free_again_once_released()
    {
        var ring = new EdgeProxy.Analytics.RequestSampleRing(4, perSecond: 1000);
        var tickets = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            var ticket = ring.TryClaim(out var slot);
            if (ticket != 0)
            {
                Assert.Equal(AnalyticsWire.MaxSampleBytes, slot.Length);
                slot[0] = (byte)i;
                ring.Commit(ticket, 1);
                tickets.Add(ticket);
            }
        }

        Assert.Equal(4, tickets.Count);
        Assert.Equal(4, tickets.Distinct().Count());
        Assert.Equal(2, ring.SkippedFull);
        Assert.Equal([0, 1, 2, 3], tickets.Select(t => (int)ring.Read(t)[0]).Order());
        ring.Release(tickets[1]);
        Assert.NotEqual(0, ring.TryClaim(out _));
        Assert.Equal(0, ring.TryClaim(out _));

        // The per-second cap: 3 a second here; a claim past it is counted apart from a full ring.
        var capped = new EdgeProxy.Analytics.RequestSampleRing(64, perSecond: 3);
        var taken = 0;
        var second = Environment.TickCount64 / 1000;
        for (var i = 0; i < 10; i++)
        {
            taken += capped.TryClaim(out _) != 0 ? 1 : 0;
        }

        var crossed = Environment.TickCount64 / 1000 != second;
        Assert.InRange(taken, 3, crossed ? 6 : 3);
        Assert.Equal(10 - taken, capped.SkippedRate);
        Assert.Equal(0, new EdgeProxy.Analytics.RequestSampleRing(4, perSecond: 0).TryClaim(out _));
    }

    private static int SpooledRecords(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.epab").Sum(f =>
            {
                try
                {
                    return AnalyticsBatchDecoder.Decode(File.ReadAllBytes(f)).Records.Length;
                }
                catch (IOException)
                {
                    return 0; // removed while being read (the shipper re-sent it)
                }
            })
            : 0;
}
