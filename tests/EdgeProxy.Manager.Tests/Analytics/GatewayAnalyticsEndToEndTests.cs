using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Keys;
using Xunit.Abstractions;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// The real gateway in process ships its analytics to the real manager (through <see cref="IngestTap"/>, which
/// keeps a copy of what the manager stored): the query API's counts per route, consumer, status class and error
/// kind equal the requests sent, p99 is within the sketch's 1% of the exact p99 of the shipped records, and the
/// manager stopped for 30 s during traffic loses nothing (the gateway spools and re-sends), and error samples carry
/// the X-Request-Id the client got.
/// </summary>
public sealed class GatewayAnalyticsEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>How long the manager is stopped during traffic (issue 7: "stopped for 30 s ... loses no records").</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Query_counts_match_the_requests_sent_exactly_and_a_manager_outage_loses_nothing()
    {
        await using var upstream = await StatusUpstream.StartAsync();
        await using var tap = await IngestTap.StartAsync();
        var config = Directory.CreateTempSubdirectory("edgeproxy-analytics-e2e-").FullName;
        var data = Path.Combine(config, "manager-data");
        var settings = new AnalyticsSettings { Secret = BatchBuilder.Secret };
        var alice = ApiKeyGenerator.Create(DateTimeOffset.UtcNow);
        var bob = ApiKeyGenerator.Create(DateTimeOffset.UtcNow);
        File.WriteAllText(Path.Combine(config, "edgeproxy.toml"), $$"""
            {{GatewayWithAnalytics(tap.Url, "gw-e2e")}}
            flush_interval = "50ms"
            batch_max_records = 25
            spool_dir = "{{Path.Combine(config, "spool")}}"

            {{UpDeadAndPublic(upstream.Url)}}

            [[routes]]
            id = "keyed"
            cluster = "up"
            path_prefix = "/keyed"
            auth = "api_key"

            [[routes]]
            id = "broken"
            cluster = "dead"
            path_prefix = "/broken"

            [[consumers]]
            id = "alice"
            keys = [{ id = "alice-1", key_sha256 = "{{alice.Sha256}}" }]

            [[consumers]]
            id = "bob"
            keys = [{ id = "bob-1", key_sha256 = "{{bob.Sha256}}" }]
            """);

        // The data directory is the test's own: the first manager leaves it for the second, and the test removes it.
        var manager = await TestManager.StartAsync(config, dataDirectory: data, analytics: settings);
        tap.ManagerUrl = manager.BaseUrl;
        using (var first = await manager.AdminAsync())
        {
        }

        await using var gateway = await InProcessGateway.StartAsync(config);
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        var sent = new List<(string Route, string Consumer, int Status, string? ErrorKind)>();
        var errorIds = new Dictionary<(string Route, string ErrorKind), HashSet<string>>(); // X-Request-Id of each error answer
        async Task SendAsync(string path, int status, string route, string consumer = "", string? key = null, string? errorKind = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (key is not null)
            {
                request.Headers.Add("X-Api-Key", key);
            }

            using var response = await client.SendAsync(request);
            Assert.Equal(status, (int)response.StatusCode);
            sent.Add((route, consumer, status, errorKind));
            if (errorKind is not null)
            {
                var ids = errorIds.TryGetValue((route, errorKind), out var set) ? set : errorIds[(route, errorKind)] = [];
                ids.Add(Assert.Single(response.Headers.GetValues("X-Request-Id")));
            }
        }

        async Task TrafficAsync(int round)
        {
            for (var i = 0; i < 20; i++)
            {
                await SendAsync($"/public/a?delay={(i % 10 == 0 ? 30 : 0)}", 200, "public");
            }

            for (var i = 0; i < 6; i++)
            {
                await SendAsync("/public/b?code=503", 503, "public", errorKind: "http_503");
            }

            await SendAsync("/public/c?code=404", 404, "public");
            for (var i = 0; i < 8 + round; i++)
            {
                await SendAsync("/keyed/x", 200, "keyed", "alice", alice.Key);
            }

            for (var i = 0; i < 3; i++)
            {
                await SendAsync("/keyed/x?code=500", 500, "keyed", "bob", bob.Key, "http_500");
            }

            await SendAsync("/keyed/x", 401, "keyed", errorKind: "unauthorized");
            await SendAsync("/broken/x", 502, "broken", errorKind: "connect_refused");
        }

        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        await TrafficAsync(0);

        // The manager is stopped for 30 s while traffic goes on (a round about every second); the gateway spools
        // what it cannot deliver and re-sends it once the manager is back.
        var stored = sent.Count;
        await WaitUntilAsync(() => tap.Stored.Values.Sum(b => b.Records.Length) >= stored);
        await manager.DisposeAsync();
        var outage = Stopwatch.StartNew();
        var rounds = 0;
        while (outage.Elapsed < Outage && rounds < 100)
        {
            await TrafficAsync(++rounds % 5);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(0, (Outage - outage.Elapsed).TotalMilliseconds))));
        }

        Assert.True(outage.Elapsed >= Outage);
        Assert.True(rounds >= 10, $"only {rounds} rounds of traffic during the outage");
        Assert.Equal(stored, tap.Stored.Values.Sum(b => b.Records.Length)); // nothing reached a stopped manager

        Assert.True(tap.FailedForwards > 0, "no batch reached the stopped manager: the outage was not exercised");
        output.WriteLine($"{tap.FailedForwards} deliveries failed during a {outage.Elapsed.TotalSeconds:F1} s outage");
        await using var restarted = await TestManager.StartAsync(config, dataDirectory: data, analytics: settings);
        tap.ManagerUrl = restarted.BaseUrl;
        using var admin = restarted.Client();
        (await admin.PostAsJsonAsync("/api/session", new { email = "admin@example.com", password = "admin password 1" })).EnsureSuccessStatusCode();

        var range = $"from={from.ToUnixTimeSeconds()}&to={DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}";
        Series series = null!;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Wait)
        {
            series = await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?" + range);
            if (series.Total.Requests >= sent.Count)
            {
                break;
            }

            await Task.Delay(100);
        }

        output.WriteLine($"{sent.Count} requests sent, {series.Total.Requests} counted, {tap.Stored.Count} batches stored");
        Assert.Equal(sent.Count, series.Total.Requests);
        await Task.Delay(300); // nothing more arrives: no duplicates after the retries
        Assert.Equal(sent.Count, (await AnalyticsTestHost.GetAsync<Series>(admin, "/api/analytics/series?" + range)).Total.Requests);

        async Task AssertTopAsync(string dimension, IEnumerable<(string Name, long Count)> expected)
        {
            var top = await AnalyticsTestHost.GetAsync<List<TopEntry>>(admin, $"/api/analytics/top/{dimension}?limit=100&" + range);
            Assert.Equal(expected.OrderBy(e => e.Name, StringComparer.Ordinal), top.Select(t => (t.Name, t.Requests)).OrderBy(e => e.Name, StringComparer.Ordinal));
        }

        await AssertTopAsync("route", sent.GroupBy(s => s.Route).Select(g => (g.Key, (long)g.Count())));
        await AssertTopAsync("consumer", sent.GroupBy(s => s.Consumer).Select(g => (g.Key, (long)g.Count())));
        await AssertTopAsync("status", sent.GroupBy(s => s.Status / 100).Select(g => ($"{g.Key}xx", (long)g.Count())));
        Assert.Equal(sent.Count(s => s.Status >= 500 || s.ErrorKind is not null), series.Total.Errors);

        var errors = await AnalyticsTestHost.GetAsync<List<ErrorGroup>>(admin, "/api/analytics/errors?limit=100&" + range);
        Assert.Equal(
            sent.Where(s => s.ErrorKind is not null).GroupBy(s => (s.Route, s.ErrorKind!)).Select(g => (g.Key.Route, g.Key.Item2, (long)g.Count())).Order(),
            errors.Select(e => (e.Route, e.ErrorKind, e.Count)).Order());
        // Error samples carry the gateway's X-Request-Id, the one the client got back.
        Assert.All(errors, e => Assert.All(e.Examples, x => Assert.Contains(x.RequestId, errorIds[(e.Route, e.ErrorKind)])));
        Assert.All(errors, e => Assert.NotEmpty(e.Examples));
        Assert.EndsWith(":" + new Uri(errors.Single(e => e.ErrorKind == "connect_refused").Upstream).Port, errors.Single(e => e.ErrorKind == "connect_refused").Upstream, StringComparison.Ordinal);

        // Percentiles against the exact durations of the records the manager stored.
        var durations = tap.Stored.Values.SelectMany(b => b.Records).Select(r => r.TotalMicroseconds).Order().ToList();
        Assert.Equal(sent.Count, durations.Count);
        foreach (var (q, estimate) in new[] { (0.5, series.Total.P50Us), (0.99, series.Total.P99Us) })
        {
            var exact = durations[(int)Math.Floor(q * (durations.Count - 1))];
            output.WriteLine($"p{q * 100}: exact {exact} µs, manager {estimate:F0} µs");
            Assert.True(Math.Abs(estimate - exact) <= exact * LatencySketch.RelativeError, $"p{q * 100} {estimate} µs vs exact {exact} µs");
        }

        Directory.Delete(config, recursive: true);
    }

    /// <summary>
    /// The real gateway's error samples through the real manager: the error examples of the query API carry the request
    /// target and headers, every secret redacted (by the gateway, and again by the manager), and no secret the client
    /// sent is anywhere in the manager's SQLite files.
    /// </summary>
    [Fact]
    public async Task Error_examples_carry_the_request_headers_with_secrets_redacted_and_no_secret_reaches_the_database_file()
    {
        await using var upstream = await StatusUpstream.StartAsync();
        await using var tap = await IngestTap.StartAsync();
        var config = Directory.CreateTempSubdirectory("edgeproxy-analytics-samples-e2e-").FullName;
        var data = Path.Combine(config, "manager-data");
        File.WriteAllText(Path.Combine(config, "edgeproxy.toml"), $$"""
            {{GatewayWithAnalytics(tap.Url, "gw-samples")}}
            flush_interval = "50ms"

            {{UpDeadAndPublic(upstream.Url)}}

            [[routes]]
            id = "broken"
            cluster = "dead"
            path_prefix = "/broken"
            """);
        await using var manager = await TestManager.StartAsync(config, dataDirectory: data, analytics: new AnalyticsSettings { Secret = BatchBuilder.Secret });
        tap.ManagerUrl = manager.BaseUrl;
        using var admin = await manager.AdminAsync();
        await using var gateway = await InProcessGateway.StartAsync(config);
        using var client = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        string[] secrets = ["SECRET-AUTH-9f1", "SECRET-KEY-9f2", "SECRET-COOKIE-9f3", "SECRET-TOKEN-9f4"];
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        var ids = new List<string>();
        foreach (var (path, status) in new[] { ("/broken/x", 502), ("/public/y?code=503", 503) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "access_token=SECRET-TOKEN-9f4");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer SECRET-AUTH-9f1");
            request.Headers.TryAddWithoutValidation("X-Api-Key", "SECRET-KEY-9f2");
            request.Headers.TryAddWithoutValidation("Cookie", "session=SECRET-COOKIE-9f3");
            request.Headers.TryAddWithoutValidation("X-Custom", "visible-e2e");
            using var response = await client.SendAsync(request);
            Assert.Equal(status, (int)response.StatusCode);
            ids.Add(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        }

        var range = $"from={from.ToUnixTimeSeconds()}&to={DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}";
        List<ErrorGroup> groups;
        var clock = Stopwatch.StartNew();
        while ((groups = await AnalyticsTestHost.GetAsync<List<ErrorGroup>>(admin, "/api/analytics/errors?" + range)).Sum(g => g.Count) < 2 && clock.Elapsed < Wait)
        {
            await Task.Delay(100);
        }

        var examples = groups.SelectMany(g => g.Examples).ToList();
        Assert.Equal(ids.Order(), examples.Select(e => e.RequestId).Order());
        foreach (var example in examples)
        {
            var sample = example.Request;
            Assert.NotNull(sample);
            Assert.EndsWith("access_token=[redacted]", sample.Target, StringComparison.Ordinal);
            var headers = sample.Headers.ToDictionary(h => h.Name, StringComparer.OrdinalIgnoreCase);
            Assert.Equal("visible-e2e", headers["X-Custom"].Value);
            Assert.All(new[] { "Authorization", "X-Api-Key", "Cookie" }, name => Assert.Equal(("[redacted]", true), (headers[name].Value, headers[name].Redacted)));
        }

        Assert.Equal(["/broken/x?access_token=[redacted]", "/public/y?code=[redacted]&access_token=[redacted]"], examples.Select(e => e.Request!.Target).Order(StringComparer.Ordinal));
        var bytes = RequestSampleTests.DatabaseBytes(data);
        Assert.Contains("visible-e2e", bytes, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, bytes, StringComparison.Ordinal));
        Directory.Delete(config, recursive: true);
    }

    /// <summary>Cluster <c>up</c> (the test's upstream), cluster <c>dead</c> (a closed port) and route <c>public</c> to up.</summary>
    private static string UpDeadAndPublic(string upstreamUrl) => $"""
        [[clusters]]
        id = "up"
        endpoints = ["{upstreamUrl}"]

        [[clusters]]
        id = "dead"
        endpoints = ["http://127.0.0.1:{ClosedPort()}"]

        [[routes]]
        id = "public"
        cluster = "up"
        path_prefix = "/public"
        """;

    /// <summary>The gateway's top sections for these tests: ephemeral loopback ports, analytics to the tap (the
    /// <c>[analytics]</c> table stays open for more keys).</summary>
    private static string GatewayWithAnalytics(string ingestUrl, string gatewayId) => $"""
        [gateway]
        access_log = "off"

        [admin]
        listen = "127.0.0.1:0"

        [[listeners]]
        name = "public"
        listen = "127.0.0.1:0"

        [analytics]
        endpoint = "{ingestUrl}/api/ingest"
        secret = "{BatchBuilder.Secret}"
        gateway_id = "{gatewayId}"
        """;

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < Wait)
        {
            await Task.Delay(50);
        }
    }

    private static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }
}
