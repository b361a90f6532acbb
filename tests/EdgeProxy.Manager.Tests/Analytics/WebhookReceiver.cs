using System.Collections.Concurrent;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>A real HTTP receiver on 127.0.0.1:0 for alert webhooks: keeps each body with whether its signature verified.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private LoopbackServer _server = null!;

    private WebhookReceiver()
    {
    }

    public string Url => _server.Url;

    public ConcurrentQueue<(JsonElement Body, bool SignatureValid)> Received { get; } = new();

    /// <summary>Answer this many posts with 503 before taking them (a receiver that is briefly down).</summary>
    public int FailNext { get; set; }

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var receiver = new WebhookReceiver();
        receiver._server = await LoopbackServer.StartAsync(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            if (receiver.FailNext > 0)
            {
                receiver.FailNext--;
                context.Response.StatusCode = 503;
                return;
            }

            var valid = AnalyticsSignature.Verify(System.Text.Encoding.UTF8.GetBytes(secret), context.Request.Headers[AnalyticsSignature.HeaderName].ToString(),
                buffer.ToArray(), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
            receiver.Received.Enqueue((JsonDocument.Parse(buffer.ToArray()).RootElement.Clone(), valid));
            context.Response.StatusCode = 204;
        });
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
