using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>A backend on 127.0.0.1:0 answering with <c>?code=</c> (default 200) after <c>?delay=</c> milliseconds.</summary>
public sealed class StatusUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StatusUpstream(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<StatusUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.Run(async context =>
        {
            if (int.TryParse(context.Request.Query["delay"], NumberStyles.None, CultureInfo.InvariantCulture, out var delay))
            {
                await Task.Delay(Math.Min(delay, 2000));
            }

            context.Response.StatusCode = int.TryParse(context.Request.Query["code"], NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 200;
            await context.Response.WriteAsync("ok");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StatusUpstream(app, address.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
