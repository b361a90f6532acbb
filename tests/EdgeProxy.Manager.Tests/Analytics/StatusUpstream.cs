using System.Globalization;
using EdgeProxy.Manager.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>A backend on 127.0.0.1:0 answering with <c>?code=</c> (default 200) after <c>?delay=</c> milliseconds.</summary>
public sealed class StatusUpstream : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private StatusUpstream(LoopbackServer server) => _server = server;

    public string Url => _server.Url;

    public static async Task<StatusUpstream> StartAsync() => new(await LoopbackServer.StartAsync(async context =>
    {
        if (int.TryParse(context.Request.Query["delay"], NumberStyles.None, CultureInfo.InvariantCulture, out var delay))
        {
            await Task.Delay(Math.Min(delay, 2000));
        }

        context.Response.StatusCode = int.TryParse(context.Request.Query["code"], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 200;
        await context.Response.WriteAsync("ok");
    }));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
