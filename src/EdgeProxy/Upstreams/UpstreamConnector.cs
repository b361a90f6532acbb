using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Upstreams;

/// <summary>
/// Opens upstream connections. Plain TCP goes through Kestrel's <see cref="SocketConnectionContextFactory"/>, so
/// upstream sockets get the same pipe machinery (and pooled memory) as accepted ones; TLS wraps an SslStream.
/// </summary>
internal sealed class UpstreamConnector : IDisposable
{
    private readonly SocketConnectionContextFactory _factory;
    private readonly Func<UpstreamEndpoint, CancellationToken, ValueTask<ConnectionContext>>? _transport;

    /// <param name="loggers">For the socket transport's own diagnostics.</param>
    /// <param name="transport">Replaces TCP with another transport (in-memory pipes for benchmarks and allocation tests).</param>
    public UpstreamConnector(ILoggerFactory loggers, Func<UpstreamEndpoint, CancellationToken, ValueTask<ConnectionContext>>? transport = null)
    {
        var options = new SocketConnectionFactoryOptions
        {
            // Continuations run on the socket's I/O thread instead of hopping to the thread pool: the proxy's
            // work per read is short and never blocks, and each hop costs more than the work.
            UnsafePreferInlineScheduling = true,

            // Bounds what one upstream connection may buffer before back-pressure stops reading from it.
            MaxReadBufferSize = 256 * 1024,
            MaxWriteBufferSize = 64 * 1024,
        };
        _factory = new SocketConnectionContextFactory(options, loggers.CreateLogger("EdgeProxy.Upstreams"));
        _transport = transport;
    }

    public async ValueTask<UpstreamConnection> ConnectAsync(UpstreamEndpoint endpoint, CancellationToken cancellation)
    {
        if (_transport is not null)
        {
            return new UpstreamConnection(endpoint, await _transport(endpoint, cancellation));
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (IPAddress.TryParse(endpoint.Host, out var address))
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellation);
            }
            else
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellation);
            }

            if (!endpoint.IsTls)
            {
                return new UpstreamConnection(endpoint, _factory.Create(socket));
            }

            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            try
            {
                await ssl.AuthenticateAsClientAsync(endpoint.Tls!, cancellation);
            }
            catch
            {
                await ssl.DisposeAsync();
                throw;
            }

            return new UpstreamConnection(endpoint, ssl);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _factory.Dispose();
}
