using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Http;

/// <summary>Kestrel's entry point for a listener: each accepted (and, for TLS listeners, decrypted) connection runs a <see cref="ClientConnection"/>.</summary>
internal sealed class GatewayConnectionHandler(GatewayRuntime runtime, ListenerInfo listener) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => new ClientConnection(connection, runtime, listener).RunAsync();
}
