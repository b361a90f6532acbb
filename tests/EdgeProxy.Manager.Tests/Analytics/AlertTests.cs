using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeProxy.Manager.Analytics.Alerts;
using EdgeProxy.Policy.Analytics;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// Alert rules on the real host and SQLite, notifying a real local webhook receiver: a threshold rule fires once
/// and resolves once, signed; a multi-window burn-rate rule ignores an old burst, fires while errors continue and
/// resolves after they stop; a failed delivery is retried; SLO status reports budget and burn.
/// </summary>
public sealed class AlertTests
{
    private const string WebhookSecret = "webhook-secret-for-tests-123";

    [Fact]
    public async Task A_threshold_rule_fires_once_to_a_signed_webhook_and_resolves_once_the_window_is_clean()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync(WebhookSecret);
        using var admin = await host.Manager.AdminAsync();
        var rule = await PostAsync(admin, "/api/analytics/alerts/rules", new { name = "orders errors", kind = "threshold", api = "orders", metric = "error_rate", threshold = 0.1, windowMinutes = 5, webhookUrl = receiver.Url + "/hook", webhookSecret = WebhookSecret });
        Assert.False(rule.TryGetProperty("webhookSecret", out _));

        var now = DateTimeOffset.UtcNow;
        var builder = new BatchBuilder();
        for (var i = 0; i < 100; i++)
        {
            builder.Add(now.AddMinutes(-2).AddSeconds(i), "orders-v1", "alice", i % 10 < 3 ? 503 : 200, 1000, api: "orders");
            builder.Add(now.AddMinutes(-2).AddSeconds(i), "billing-v1", "alice", 500, 1000, api: "billing"); // another API: not counted
        }

        using var ingest = host.Manager.Client();
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

        var evaluator = host.Manager.Host.Services.GetRequiredService<AlertEvaluator>();
        Assert.True((await evaluator.EvaluateOnceAsync(now)).Single().Firing);
        await evaluator.EvaluateOnceAsync(now.AddSeconds(30)); // still firing: no second notification
        var fired = Assert.Single(receiver.Received);
        Assert.True(fired.SignatureValid);
        Assert.Equal("firing", fired.Body.GetProperty("status").GetString());
        Assert.Equal(0.3, fired.Body.GetProperty("value").GetDouble(), 9);
        Assert.Equal("orders errors", fired.Body.GetProperty("rule").GetProperty("name").GetString());

        Assert.False((await evaluator.EvaluateOnceAsync(now.AddMinutes(10))).Single().Firing);
        Assert.Equal(2, receiver.Received.Count);
        var resolved = receiver.Received.Last();
        Assert.True(resolved.SignatureValid);
        Assert.Equal("resolved", resolved.Body.GetProperty("status").GetString());

        var alerts = await AnalyticsTestHost.GetAsync<JsonElement>(admin, "/api/analytics/alerts");
        var events = alerts.GetProperty("events").EnumerateArray().Select(e => (e.GetProperty("status").GetString(), e.GetProperty("delivered").GetBoolean())).ToList();
        Assert.Equal([("resolved", true), ("firing", true)], events);
        Assert.DoesNotContain(WebhookSecret, alerts.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_burn_rate_rule_needs_both_windows_burning_fires_resolves_and_retries_a_failed_delivery()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync(WebhookSecret);
        using var admin = await host.Manager.AdminAsync();
        var slo = await PostAsync(admin, "/api/analytics/slos", new { api = "orders", availability = 0.99, p99Us = 50_000, windowDays = 30 });
        await PostAsync(admin, "/api/analytics/alerts/rules", new { name = "orders budget", kind = "burn_rate", threshold = 14.4, windowMinutes = 60, shortWindowMinutes = 5, sloId = slo.GetProperty("id").GetInt64(), webhookUrl = receiver.Url, webhookSecret = WebhookSecret });
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync("/api/analytics/alerts/rules", new { name = "bad", kind = "burn_rate", threshold = 2, windowMinutes = 5, shortWindowMinutes = 60, sloId = 999, webhookUrl = receiver.Url, webhookSecret = WebhookSecret })).StatusCode);

        var now = DateTimeOffset.UtcNow;
        using var ingest = host.Manager.Client();
        var evaluator = host.Manager.Host.Services.GetRequiredService<AlertEvaluator>();

        // An old burst (30 minutes ago, 20% errors: burn 20 over the hour) but nothing in the last 5 minutes: no alert.
        var burst = new BatchBuilder();
        for (var i = 0; i < 1000; i++)
        {
            burst.Add(now.AddMinutes(-30).AddMilliseconds(i * 10), "orders-v1", "alice", i % 5 == 0 ? 502 : 200, 2000, error: i % 5 == 0 ? AnalyticsErrorKind.ConnectTimeout : AnalyticsErrorKind.None, api: "orders");
        }

        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, burst.Encode(sequence: 1))).StatusCode);
        Assert.False((await evaluator.EvaluateOnceAsync(now)).Single().Firing);

        // Errors now too: both windows burn; the receiver is down for the first delivery, which is retried.
        var ongoing = new BatchBuilder();
        for (var i = 0; i < 100; i++)
        {
            ongoing.Add(now.AddMinutes(-2).AddSeconds(i), "orders-v1", "alice", i % 2 == 0 ? 502 : 200, 2000, error: i % 2 == 0 ? AnalyticsErrorKind.ConnectTimeout : AnalyticsErrorKind.None, api: "orders");
        }

        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, ongoing.Encode(sequence: 2))).StatusCode);
        receiver.FailNext = 1;
        var state = (await evaluator.EvaluateOnceAsync(now)).Single();
        Assert.True(state.Firing);
        Assert.False(state.Notified);
        Assert.Empty(receiver.Received);
        Assert.True((await evaluator.EvaluateOnceAsync(now.AddSeconds(30))).Single().Notified);
        var fired = Assert.Single(receiver.Received);
        Assert.True(fired.SignatureValid);
        Assert.Equal("firing", fired.Body.GetProperty("status").GetString());
        Assert.Equal(250.0 / 1100 / 0.01, fired.Body.GetProperty("value").GetDouble(), 6); // the smaller burn: the hour, 250 errors in 1100 over a 1% budget

        var statuses = await AnalyticsTestHost.GetAsync<List<SloStatus>>(admin, "/api/analytics/slos");
        var status = Assert.Single(statuses);
        Assert.Equal(1100, status.Requests);
        Assert.Equal(1 - (250.0 / 1100), status.Availability, 9);
        Assert.Equal(50, status.BurnRate5m, 6);
        Assert.True(status.BudgetRemaining < 0);
        Assert.True(status.P99Met);

        // Errors stop; good traffic follows: the short window clears and the alert resolves.
        var good = new BatchBuilder();
        for (var i = 0; i < 200; i++)
        {
            good.Add(now.AddMinutes(8).AddSeconds(i), "orders-v1", "alice", 200, 2000, api: "orders");
        }

        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, good.Encode(sequence: 3))).StatusCode);
        Assert.False((await evaluator.EvaluateOnceAsync(now.AddMinutes(12))).Single().Firing);
        Assert.Equal(["firing", "resolved"], receiver.Received.Select(r => r.Body.GetProperty("status").GetString()));
        Assert.All(receiver.Received, r => Assert.True(r.SignatureValid));
    }

    [Fact]
    public async Task SLO_availability_counts_only_gateway_and_upstream_failures_not_policy_denials_or_client_errors()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var admin = await host.Manager.AdminAsync();
        var slo = await PostAsync(admin, "/api/analytics/slos", new { api = "orders", availability = 0.99, windowDays = 30 });
        await PostAsync(admin, "/api/analytics/alerts/rules", new { name = "orders burn", kind = "burn_rate", threshold = 2, windowMinutes = 60, shortWindowMinutes = 5, sloId = slo.GetProperty("id").GetInt64(), webhookUrl = "http://127.0.0.1:9/none", webhookSecret = WebhookSecret });

        // 1000 requests: 900 served, 40 rate limited, 30 unauthorized, 10 forbidden, 5 not found, 5 client aborts
        // (all errors, none a failure), then 5 connect failures (502) and 5 upstream resets after a 200's head (failures).
        var now = DateTimeOffset.UtcNow;
        var builder = new BatchBuilder();
        void Add(int n, int status, AnalyticsErrorKind error, string policy = "")
        {
            for (var i = 0; i < n; i++)
            {
                builder.Add(now.AddMinutes(-2).AddMilliseconds(builder.Records.Count), "orders-v1", "alice", status, 2000, error: error, api: "orders", policy: policy);
            }
        }

        Add(900, 200, AnalyticsErrorKind.None);
        Add(40, 429, AnalyticsErrorKind.RateLimited, "per-minute");
        Add(30, 401, AnalyticsErrorKind.Unauthorized, "api_key");
        Add(10, 403, AnalyticsErrorKind.Forbidden, "api_grant");
        Add(5, 404, AnalyticsErrorKind.NoRoute);
        Add(5, 200, AnalyticsErrorKind.ClientAborted);
        Add(5, 502, AnalyticsErrorKind.ConnectRefused);
        Add(5, 200, AnalyticsErrorKind.UpstreamReset);
        using var ingest = host.Manager.Client();
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

        var status = Assert.Single(await AnalyticsTestHost.GetAsync<List<SloStatus>>(admin, "/api/analytics/slos"));
        Assert.Equal(1000, status.Requests);
        Assert.Equal(0.99, status.Availability, 9);           // 10 failures in 1000, not 100 errors
        Assert.Equal(0, status.BudgetRemaining, 9);           // exactly on a 1% budget
        Assert.Equal(1, status.BurnRate1h, 6);
        Assert.Equal(1, status.BurnRate5m, 6);

        // The burn-rate rule (threshold 2) does not fire on denials: 100 errors would burn 10x, 10 failures burn 1x.
        var evaluator = host.Manager.Host.Services.GetRequiredService<AlertEvaluator>();
        var state = (await evaluator.EvaluateOnceAsync(now)).Single();
        Assert.False(state.Firing);
        Assert.Equal(1, state.Value, 6);
    }

    [Fact]
    public async Task An_anomaly_rule_compares_with_the_same_hour_of_earlier_weeks_and_flags_a_spike_and_a_drop()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync(WebhookSecret);
        using var admin = await host.Manager.AdminAsync();
        foreach (var api in new[] { "orders", "billing", "steady" })
        {
            await PostAsync(admin, "/api/analytics/alerts/rules", new { name = api + " traffic", kind = "anomaly", api, metric = "requests", threshold = 3, windowMinutes = 60, webhookUrl = receiver.Url, webhookSecret = WebhookSecret });
        }

        // Four earlier weeks, same hour of the week: about 100 requests an hour per API.
        var now = DateTimeOffset.UtcNow;
        var builder = new BatchBuilder();
        void Traffic(string api, DateTimeOffset end, int count)
        {
            for (var i = 0; i < count; i++)
            {
                builder.Add(end.AddMinutes(-50).AddSeconds(i), api + "-route", "alice", 200, 1000, api: api);
            }
        }

        int[] history = [100, 90, 110, 100];
        for (var week = 1; week <= history.Length; week++)
        {
            foreach (var api in new[] { "orders", "billing", "steady" })
            {
                Traffic(api, now.AddDays(-7 * week), history[week - 1]);
            }
        }

        Traffic("orders", now, 400);  // a spike
        Traffic("billing", now, 5);   // a drop
        Traffic("steady", now, 104);  // ordinary
        using var ingest = host.Manager.Client();
        Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

        var states = await host.Manager.Host.Services.GetRequiredService<AlertEvaluator>().EvaluateOnceAsync(now);
        Assert.Equal([true, true, false], states.Select(s => s.Firing));
        Assert.True(states[0].Value > 3, $"spike z = {states[0].Value}");
        Assert.True(states[1].Value < -3, $"drop z = {states[1].Value}");
        Assert.InRange(states[2].Value, -3, 3);
        Assert.Equal(["orders traffic", "billing traffic"], receiver.Received.Select(r => r.Body.GetProperty("rule").GetProperty("name").GetString()).Order().Reverse());
        Assert.All(receiver.Received, r => Assert.True(r.SignatureValid));
    }

    [Fact]
    public async Task Only_admins_define_rules_and_publishers_read_them()
    {
        await using var host = await AnalyticsTestHost.StartAsync();
        using var developer = await host.Manager.DeveloperAsync("dev@example.com");
        Assert.Equal(HttpStatusCode.Forbidden, (await developer.GetAsync("/api/analytics/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await developer.PostAsJsonAsync("/api/analytics/slos", new { api = "orders", availability = 0.99 })).StatusCode);
        using var anonymous = host.Manager.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/analytics/alerts/rules", new { name = "x" })).StatusCode);
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        Assert.True(response.IsSuccessStatusCode, $"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
