using EdgeProxy.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Manager.Tests.Infrastructure;

/// <summary>The real gateway (src/EdgeProxy), in process, watching the given config directory.</summary>
public sealed class InProcessGateway : IAsyncDisposable
{
    private readonly GatewayHost _host;

    private InProcessGateway(GatewayHost host) => _host = host;

    public string BaseUrl => $"http://127.0.0.1:{_host.Listeners["public"].Port}";

    public string AdminUrl => $"http://127.0.0.1:{_host.AdminEndpoint!.Port}";

    public static async Task<InProcessGateway> StartAsync(string configDirectory) =>
        new(await GatewayHost.StartAsync(new GatewayOptions { ConfigPath = configDirectory, Watch = true }, logging => logging.SetMinimumLevel(LogLevel.Warning)));

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
    }
}
