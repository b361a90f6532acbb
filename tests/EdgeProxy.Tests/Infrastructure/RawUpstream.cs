using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// A scripted TCP upstream for what Kestrel will not produce: malformed responses, close-delimited bodies,
/// hanging or resetting peers. For each connection it reads one request head and runs the script.
/// </summary>
public sealed class RawUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<NetworkStream, string, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private int _connections;

    public RawUpstream(Func<NetworkStream, string, Task> script)
    {
        _script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accept = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Writes a fixed response and closes.</summary>
    public static RawUpstream Replying(string response) => new(async (stream, _) =>
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
    });

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            var head = await ReadHeadAsync(stream);
                            await _script(stream, head);
                        }
                        catch (IOException)
                        {
                        }
                    }
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 65536 && await stream.ReadAsync(one) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^1] == '\n' && bytes[^2] == '\r' && bytes[^3] == '\n' && bytes[^4] == '\r')
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accept;
    }
}
