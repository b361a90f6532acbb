using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// A real redis-server (the Debian package, installed by .ci/run) on a free loopback port, without persistence,
/// in a temporary directory. It can be stopped and started again on the same port to test outages.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed: apt-get install -y redis-server (.ci/run does this)");
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var directory = Path.Combine(Path.GetTempPath(), "edgeproxy-redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var server = new RedisServer(port, directory) { Binary = binary };
        await server.StartAgainAsync();
        return server;
    }

    private string Binary { get; init; } = "";

    /// <summary>Starts the server (again) on its port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"redis-server did not listen on {Port} within 10 s");
    }

    /// <summary>Kills the server (an outage, not a shutdown).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
