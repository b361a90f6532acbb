using System.Text;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// <c>POST /api/ingest</c>, where the gateway's <c>[analytics] endpoint</c> points (docs/analytics-wire.md).
/// Signature first (401: the gateway keeps the batch and retries, fresh <c>t</c>), then the batch id (409: already
/// stored, the gateway drops it), then decode (400: malformed, dropped). Nothing a client sends escapes as a 500.
/// </summary>
public static class IngestEndpoint
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/ingest", HandleAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    public static async Task<IResult> HandleAsync(HttpContext context, ManagerOptions options, AnalyticsStore store, IngestCounters counters, TimeProvider time, ILoggerFactory logs)
    {
        var settings = options.Analytics;
        if (settings.Secret.Length == 0)
        {
            counters.Rejected("not_configured");
            return Results.Problem("Analytics ingest has no secret configured (--analytics-secret).", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var body = await ReadBodyAsync(context.Request, settings.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            counters.Rejected("too_large");
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var signature = context.Request.Headers[AnalyticsSignature.HeaderName].ToString();
        if (signature.Length == 0)
        {
            counters.Rejected("unsigned");
            return Results.Unauthorized();
        }

        var secret = Encoding.UTF8.GetBytes(settings.Secret);
        var now = time.GetUtcNow();
        if (!AnalyticsSignature.Verify(secret, signature, body, now, settings.ClockTolerance))
        {
            // A MAC that holds at any time means only the clock window failed: say so (the gateway re-signs on retry).
            var stale = AnalyticsSignature.Verify(secret, signature, body, now, TimeSpan.FromDays(365 * 100));
            counters.Rejected(stale ? "stale_timestamp" : "bad_signature");
            return Results.Unauthorized();
        }

        AnalyticsBatch batch;
        try
        {
            if (store.Contains(AnalyticsBatchDecoder.ReadHeader(body)))
            {
                counters.Rejected("replayed");
                return Results.Conflict();
            }

            batch = AnalyticsBatchDecoder.Decode(body);
        }
        catch (AnalyticsFormatException e)
        {
            counters.Rejected("malformed");
            return Results.Problem($"Malformed analytics batch: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }

        if (store.Store(batch, now) == IngestResult.Replayed)
        {
            counters.Rejected("replayed");
            return Results.Conflict();
        }

        counters.Accepted(batch.Records.Length);
        logs.CreateLogger(typeof(IngestEndpoint)).LogDebug("Stored batch {Gateway}/{Sequence} ({Records} records)", batch.Header.GatewayId, batch.Header.Sequence, batch.Records.Length);
        return Results.Ok(new { stored = batch.Records.Length });
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancel)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 64 * 1024);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
