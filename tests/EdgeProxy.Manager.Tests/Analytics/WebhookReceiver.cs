using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using EdgeProxy.Policy.Analytics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>A real HTTP receiver on 127.0.0.1:0 for alert webhooks: keeps each body with whether its signature verified.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<(JsonElement Body, bool SignatureValid)> Received { get; } = new();

    /// <summary>Answer this many posts with 503 before taking them (a receiver that is briefly down).</summary>
    public int FailNext { get; set; }

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            if (receiver!.FailNext > 0)
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
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new WebhookReceiver(app, address.TrimEnd('/'));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
