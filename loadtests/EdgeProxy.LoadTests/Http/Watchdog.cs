using System.Diagnostics;

namespace EdgeProxy.LoadTests.Http;

/// <summary>
/// One timer for every connection's timeout: every 20 ms it closes the sockets whose deadline has passed, so the
/// request path sets a number instead of creating a CancellationTokenSource per request.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<HttpConnection> _connections = [];
    private readonly Timer _timer;

    public Watchdog()
    {
        _timer = new Timer(_ => Check(), null, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));
    }

    public void Add(HttpConnection connection)
    {
        lock (_lock)
        {
            _connections.Add(connection);
        }
    }

    public void Remove(HttpConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            foreach (var connection in _connections)
            {
                if (connection.IsOverdue(now))
                {
                    connection.Abort();
                }
            }
        }
    }
}
