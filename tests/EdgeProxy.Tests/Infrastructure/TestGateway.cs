using System.Net;
using EdgeProxy.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// The real gateway, in process, on 127.0.0.1:0, from TOML written to a temp directory. Ports are read back
/// from the bound listeners, so tests never collide with each other or anything else on the machine.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly GatewayHost _host;

    private TestGateway(GatewayHost host, string directory)
    {
        _host = host;
        Directory = directory;
    }

    public string Directory { get; }

    public IPEndPoint Endpoint => _host.Listeners["public"];

    public IPEndPoint Admin => _host.AdminEndpoint!;

    internal GatewayHost Host => _host;

    public string BaseUrl => $"http://127.0.0.1:{Endpoint.Port}";

    public string AdminUrl => $"http://127.0.0.1:{Admin.Port}";

    /// <summary>A minimal main file: one public listener, admin port, access log off; <paramref name="extra"/> is appended.</summary>
    public static string MainToml(string extra = "", string gateway = "") => $$"""
        [gateway]
        access_log = "off"
        reload_debounce = "100ms"
        {{gateway}}

        [admin]
        listen = "127.0.0.1:0"

        [[listeners]]
        name = "public"
        listen = "127.0.0.1:0"

        {{extra}}
        """;

    public static string Cluster(string id, params string[] urls) => $$"""
        [[clusters]]
        id = "{{id}}"
        endpoints = [{{string.Join(", ", urls.Select(u => $"\"{u}\""))}}]

        """;

    public static Task<TestGateway> StartAsync(string mainToml, params (string Name, string Text)[] extraFiles) =>
        StartAsync(mainToml, watch: true, extraFiles);

    /// <param name="watch">False: no file watcher, so only SIGHUP and POST /reload reload.</param>
    public static Task<TestGateway> StartAsync(string mainToml, bool watch, params (string Name, string Text)[] extraFiles) =>
        StartAsync(mainToml, watch, logging => logging.SetMinimumLevel(LogLevel.Warning), extraFiles);

    /// <param name="logging">Added to the gateway's logger factory (e.g. a provider that keeps the lines).</param>
    public static async Task<TestGateway> StartAsync(string mainToml, bool watch, Action<ILoggingBuilder> logging, params (string Name, string Text)[] extraFiles)
    {
        var directory = Path.Combine(Path.GetTempPath(), "edgeproxy-test-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "main.toml"), mainToml);
        foreach (var (name, text) in extraFiles)
        {
            var path = Path.Combine(directory, name);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text);
        }

        var host = await GatewayHost.StartAsync(new GatewayOptions { ConfigPath = directory, Watch = watch }, logging);
        return new TestGateway(host, directory);
    }

    /// <summary>Writes a file atomically (temp + rename), as the manager and GitOps tools do.</summary>
    public async Task WriteFileAsync(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    public RawClient Connect() => new(Endpoint);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
