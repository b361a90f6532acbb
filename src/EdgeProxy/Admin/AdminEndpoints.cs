using System.Text.Json;
using EdgeProxy.Config;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace EdgeProxy.Admin;

/// <summary>
/// The operator's port: health, readiness, Prometheus metrics, the running config's identity and last error,
/// and a reload trigger. Served by Kestrel's ordinary HTTP stack; it is not on the proxy's request path.
/// </summary>
internal sealed class AdminEndpoints(PolicyStore store, IHostApplicationLifetime lifetime)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        switch (request.Path.Value)
        {
            case "/healthz" when HttpMethods.IsGet(request.Method):
                response.ContentType = "text/plain";
                await response.WriteAsync("ok\n");
                return;
            case "/readyz" when HttpMethods.IsGet(request.Method):
                var ready = !lifetime.ApplicationStopping.IsCancellationRequested;
                response.StatusCode = ready ? 200 : 503;
                response.ContentType = "text/plain";
                await response.WriteAsync(ready ? "ready\n" : "draining\n");
                return;
            case "/metrics" when HttpMethods.IsGet(request.Method):
                response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(response.Body, context.RequestAborted);
                return;
            case "/config" when HttpMethods.IsGet(request.Method):
                await WriteJsonAsync(response, 200, WriteConfig);
                return;
            case "/reload" when HttpMethods.IsPost(request.Method):
                var outcome = await Task.Run(store.Reload);
                await WriteJsonAsync(response, outcome.Applied ? 200 : 422, json => WriteOutcome(json, outcome));
                return;
            case "/cache/purge" when HttpMethods.IsPost(request.Method):
                var purge = Caching.CachePurge.FromQuery(store.Policies.Cache, store.Current, request.Query["url"], request.Query["host"],
                    request.Query["prefix"], request.Query["route"], request.Query["tag"], request.Query["all"]);
                await WriteJsonAsync(response, purge.Error is null ? 200 : 400, json =>
                {
                    if (purge.Error is { } error)
                    {
                        json.WriteString("error", error);
                    }
                    else
                    {
                        json.WriteNumber("purged", purge.Purged);
                    }
                });
                return;
            case "/usage" when HttpMethods.IsGet(request.Method):
                await WriteUsageAsync(response, null);
                return;
            case { } path when path.StartsWith("/usage/", StringComparison.Ordinal) && HttpMethods.IsGet(request.Method):
                await WriteUsageAsync(response, Uri.UnescapeDataString(path["/usage/".Length..]));
                return;
            default:
                response.StatusCode = 404;
                await WriteJsonAsync(response, 404, static json => json.WriteString("error", "not found"));
                return;
        }
    }

    /// <summary>
    /// Quota usage per consumer and period (for the manager's usage and billing pages): every consumer of the
    /// running config, or one by id.
    /// </summary>
    private async Task WriteUsageAsync(HttpResponse response, string? consumerId)
    {
        var snapshot = store.Current;
        var quotas = store.Policies.Quotas;
        var now = store.Policies.Time.GetUtcNow();
        response.ContentType = "application/json";
        if (consumerId is not null)
        {
            if (snapshot.Access.Keys.FindConsumer(consumerId) is not { } consumer)
            {
                await WriteJsonAsync(response, 404, json => json.WriteString("error", "no consumer with this id"));
                return;
            }

            await JsonSerializer.SerializeAsync(response.Body, quotas.Usage(consumer.Id, consumer.Quotas, now), QuotaJsonContext.Default.ConsumerUsage);
            return;
        }

        var all = new List<ConsumerUsage>(snapshot.Access.Keys.Consumers.Count);
        foreach (var consumer in snapshot.Access.Keys.Consumers)
        {
            all.Add(quotas.Usage(consumer.Id, consumer.Quotas, now));
        }

        await JsonSerializer.SerializeAsync(response.Body, all, QuotaJsonContext.Default.ListConsumerUsage);
    }

    private void WriteConfig(Utf8JsonWriter json)
    {
        var current = store.Current;
        json.WriteString("version", current.Version);
        json.WriteString("path", Path.GetFullPath(store.Path));
        json.WriteString("loaded_at", current.LoadedAt);
        json.WriteStartArray("files");
        foreach (var file in current.Files)
        {
            json.WriteStringValue(file);
        }

        json.WriteEndArray();
        json.WriteNumber("routes", current.Routes.Count);
        json.WriteNumber("clusters", current.Clusters.Count);
        json.WriteNumber("reloads_applied", store.ReloadsApplied);
        json.WriteNumber("reloads_failed", store.ReloadsFailed);
        if (store.LastOutcome is { } last)
        {
            json.WritePropertyName("last_reload");
            json.WriteStartObject();
            WriteOutcome(json, last);
            json.WriteEndObject();
        }
    }

    private static void WriteOutcome(Utf8JsonWriter json, ReloadOutcome outcome)
    {
        json.WriteBoolean("applied", outcome.Applied);
        json.WriteString("version", outcome.Version);
        json.WriteString("at", outcome.At);
        json.WriteStartArray("errors");
        foreach (var error in outcome.Errors)
        {
            WriteError(json, error);
        }

        json.WriteEndArray();
    }

    private static void WriteError(Utf8JsonWriter json, ConfigError error)
    {
        json.WriteStartObject();
        json.WriteString("file", error.File);
        json.WriteNumber("line", error.Line);
        json.WriteNumber("column", error.Column);
        json.WriteString("message", error.Message);
        json.WriteString("text", error.ToString());
        json.WriteEndObject();
    }

    private static async Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        await response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
