using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using EdgeProxy.Upstreams.Polling;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Upstreams;

/// <summary>
/// Opens upstream connections: TCP with Nagle off, read and written straight on the socket (<see cref="UpstreamSocket"/>
/// on the gateway's own poller, through <see cref="SocketReader"/> and <see cref="SocketWriter"/>), or wrapped in an
/// SslStream for <c>https://</c> endpoints.
/// </summary>
internal sealed class UpstreamConnector
{
    private readonly Func<UpstreamEndpoint, CancellationToken, ValueTask<ConnectionContext>>? _transport;

    /// <param name="transport">Replaces TCP with another transport (in-memory pipes for benchmarks and allocation tests).</param>
    public UpstreamConnector(Func<UpstreamEndpoint, CancellationToken, ValueTask<ConnectionContext>>? transport = null) => _transport = transport;

    public async ValueTask<UpstreamConnection> ConnectAsync(UpstreamEndpoint endpoint, CancellationToken cancellation)
    {
        if (_transport is not null)
        {
            return new UpstreamConnection(endpoint, await _transport(endpoint, cancellation));
        }

        if (!endpoint.IsTls)
        {
            return new UpstreamConnection(endpoint, await UpstreamSocket.ConnectAsync(endpoint.Host, endpoint.Port, endpoint.ReceiveBuffer, cancellation));
        }

        var socket = UpstreamSocket.CreateTcp(endpoint.ReceiveBuffer);
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

            return new UpstreamConnection(endpoint, ssl, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
