using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.LoadTests.Upstream;

/// <summary>
/// The upstream the scenarios need beyond the gateway's demo upstream (<c>edgeproxy-load upstream</c>): several of
/// them make a cluster whose endpoints a scenario can kill, and it speaks WebSocket and SSE.
/// <list type="bullet">
/// <item><c>GET /hello</c>: a short text body.</item>
/// <item><c>/ws</c>: WebSocket echo (every message sent back as received).</item>
/// <item><c>/sse?events=N&amp;interval_ms=M</c>: N events (default 10), one every M ms (default 100), then the end.</item>
/// <item><c>/status/NNN</c>: an empty response with that status.</item>
/// <item>anything else: the request body echoed back (or a one-line summary when there is none).</item>
/// </list>
/// </summary>
internal sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoUpstream(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<EchoUpstream> StartAsync(IPEndPoint listen, CancellationToken cancellation = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(listen);
            options.AddServerHeader = false;
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync(cancellation).ConfigureAwait(false);
        var address = app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            : null;
        var port = address is null ? listen.Port : new Uri(address).Port;
        return new EchoUpstream(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        if (path == "/hello")
        {
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("Hello from the edgeproxy-load upstream!\n").ConfigureAwait(false);
            return;
        }

        if (path == "/ws")
        {
            await EchoWebSocketAsync(context).ConfigureAwait(false);
            return;
        }

        if (path == "/sse")
        {
            await StreamEventsAsync(context).ConfigureAwait(false);
            return;
        }

        if (path.StartsWith("/status/", StringComparison.Ordinal) && int.TryParse(path.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 200 and <= 599)
        {
            response.StatusCode = status;
            return;
        }

        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            response.ContentType = request.ContentType ?? "application/octet-stream";
            if (request.ContentLength is { } length)
            {
                response.ContentLength = length;
            }

            await request.Body.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync($"{request.Method} {path}{request.QueryString}\n").ConfigureAwait(false);
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted).ConfigureAwait(false);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task StreamEventsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var events = int.TryParse(query["events"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, 0, 1_000_000) : 10;
        var interval = int.TryParse(query["interval_ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? Math.Clamp(ms, 0, 60_000) : 100;
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            for (var i = 1; i <= events; i++)
            {
                await response.WriteAsync($"id: {i}\ndata: event {i}\n\n", context.RequestAborted).ConfigureAwait(false);
                await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                if (i < events && interval > 0)
                {
                    await Task.Delay(interval, context.RequestAborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The subscriber left; that is how most SSE subscriptions end.
        }
    }
}
