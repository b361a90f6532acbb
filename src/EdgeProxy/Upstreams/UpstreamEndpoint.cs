using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using EdgeProxy.Http;
using EdgeProxy.Observability;

namespace EdgeProxy.Upstreams;

/// <summary>
/// One upstream address and its pool of idle keep-alive connections, newest first (<see cref="IdleConnectionStack"/>).
/// The pool is bounded (surplus connections are closed on release), and stale entries are discarded on rent and from
/// the bottom on release, so no timer is needed.
/// </summary>
internal sealed class UpstreamEndpoint
{
    private readonly IdleConnectionStack _idle;
    private readonly UpstreamConnector _connector;
    private readonly long _idleTimeoutMs;
    private int _open;
    private volatile bool _retired;

    public UpstreamEndpoint(Uri uri, UpstreamConnector connector, int maxIdle, TimeSpan idleTimeout, SslClientAuthenticationOptions? tls,
        int receiveBuffer)
    {
        ReceiveBuffer = receiveBuffer;
        Host = uri.IdnHost;
        Port = uri.Port;
        IsTls = uri.Scheme == Uri.UriSchemeHttps;
        Tls = tls;
        Name = $"{uri.Scheme}://{uri.Authority}";
        NameBytes = Encoding.ASCII.GetBytes(Name);
        AnalyticsName = Analytics.AnalyticsNames.Intern(Name);
        Authority = Encoding.ASCII.GetBytes(uri.Authority);
        _connector = connector;
        _idle = new IdleConnectionStack(maxIdle);
        _idleTimeoutMs = (long)idleTimeout.TotalMilliseconds;
    }

    public string Host { get; }

    /// <summary>SO_RCVBUF for new connections; 0 for the kernel's autotuning.</summary>
    public int ReceiveBuffer { get; }

    public int Port { get; }

    public bool IsTls { get; }

    public SslClientAuthenticationOptions? Tls { get; }

    /// <summary><c>scheme://host:port</c>, as shown in logs and metrics.</summary>
    public string Name { get; }

    public byte[] NameBytes { get; }

    /// <summary><see cref="Name"/> as an analytics name id.</summary>
    public int AnalyticsName { get; }

    /// <summary><c>host:port</c>: the Host header for clients that sent none (HTTP/1.0).</summary>
    public byte[] Authority { get; }

    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>How long an endpoint that refused or timed out a connect is passed over by balancing.</summary>
    public static readonly TimeSpan EjectionTime = TimeSpan.FromSeconds(5);

    private long _ejectedUntil;

    /// <summary>
    /// False while the endpoint is ejected after a failed connect (passive health): balancing passes it over
    /// until <see cref="EjectionTime"/> has gone by, then sends it traffic again; a successful connect readmits it.
    /// </summary>
    public bool IsAvailable
    {
        get
        {
            var until = Volatile.Read(ref _ejectedUntil);
            return until == 0 || until <= Environment.TickCount64;
        }
    }

    /// <summary>A connect to this endpoint failed: eject it for <see cref="EjectionTime"/>.</summary>
    public void MarkFailed()
    {
        var until = Environment.TickCount64 + (long)EjectionTime.TotalMilliseconds;
        if (Interlocked.Exchange(ref _ejectedUntil, until) == 0)
        {
            GatewayMetrics.UpstreamEjections.Inc();
        }
    }

    public int IdleConnections => _idle.Count;

    /// <summary>Returns a pooled connection that is still usable, or connects a new one.</summary>
    public ValueTask<UpstreamConnection> AcquireAsync(TimeSpan connectTimeout, CancellationToken cancellation)
    {
        var now = Environment.TickCount64;
        while (_idle.TryPop() is { } pooled)
        {
            if (now - pooled.IdleSince < _idleTimeoutMs && pooled.IsIdleAndOpen())
            {
                GatewayMetrics.PoolHits.Inc();
                return ValueTask.FromResult(pooled);
            }

            _ = pooled.DisposeAsync();
        }

        GatewayMetrics.PoolMisses.Inc();
        return ConnectAsync(connectTimeout, cancellation);
    }

    /// <summary>Returns a connection after a complete exchange; <paramref name="reusable"/> false closes it.</summary>
    public void Release(UpstreamConnection connection, bool reusable)
    {
        if (reusable && !_retired)
        {
            var now = Environment.TickCount64;
            connection.IdleSince = now;
            var pooled = _idle.TryPush(connection, now, _idleTimeoutMs, out var expired);
            if (expired is not null)
            {
                _ = expired.DisposeAsync();
            }

            if (pooled)
            {
                // A reload may have retired the endpoint between the check and the push: the connection must not stay.
                if (_retired)
                {
                    DrainIdle();
                }

                return;
            }
        }

        _ = connection.DisposeAsync();
    }

    /// <summary>Called when a reload dropped this endpoint: idle connections close now, busy ones on release.</summary>
    public void Retire()
    {
        _retired = true;
        DrainIdle();
    }

    private void DrainIdle()
    {
        while (_idle.TryPop() is { } connection)
        {
            _ = connection.DisposeAsync();
        }
    }

    internal void OnConnectionClosed()
    {
        Interlocked.Decrement(ref _open);
        GatewayMetrics.UpstreamConnections.Dec();
    }

    private async ValueTask<UpstreamConnection> ConnectAsync(TimeSpan connectTimeout, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(connectTimeout);
        try
        {
            var connection = await _connector.ConnectAsync(this, timeout.Token);
            Volatile.Write(ref _ejectedUntil, 0);
            Interlocked.Increment(ref _open);
            GatewayMetrics.UpstreamConnections.Inc();
            return connection;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new ProxyException(ProxyErrorKind.ConnectTimeout, $"connect to {Name} timed out after {connectTimeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e)
        {
            throw new ProxyException(ProxyErrorKind.ConnectRefused, $"connect to {Name} failed: {e.SocketErrorCode}", e);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            throw new ProxyException(ProxyErrorKind.TlsHandshakeFailed, $"TLS handshake with {Name} failed: {e.Message}", e);
        }
    }
}
