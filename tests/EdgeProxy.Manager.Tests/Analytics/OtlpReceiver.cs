using System.Collections.Concurrent;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>A real HTTP receiver on 127.0.0.1:0 standing in for an OpenTelemetry collector: keeps every POST (path, content type, body) and answers 200.</summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private LoopbackServer _server = null!;

    private OtlpReceiver()
    {
    }

    public string Url => _server.Url;

    public ConcurrentQueue<(string Path, string ContentType, byte[] Body)> Received { get; } = new();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._server = await LoopbackServer.StartAsync(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            receiver.Received.Enqueue((context.Request.Path.Value ?? "", context.Request.ContentType ?? "", buffer.ToArray()));
            context.Response.StatusCode = 200;
        });
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
