using Microsoft.AspNetCore.Http;

namespace EdgeProxy.Manager.Tests.Infrastructure;

/// <summary>A backend on 127.0.0.1:0 answering every request with 200 and the path and consumer it saw.</summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private TestUpstream(LoopbackServer server) => _server = server;

    public string Url => _server.Url;

    public static async Task<TestUpstream> StartAsync() => new(await LoopbackServer.StartAsync(context =>
        context.Response.WriteAsync($"upstream saw {context.Request.Path} for {context.Request.Headers["X-Consumer-Id"]}")));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
