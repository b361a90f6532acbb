using System.Net;
using EdgeProxy.Policies;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Http;

/// <summary>
/// Kestrel's entry point for a listener: each accepted (and, for TLS listeners, decrypted) connection passes the
/// per-address accept limits, then runs a <see cref="ClientConnection"/>.
/// </summary>
internal sealed class GatewayConnectionHandler(GatewayRuntime runtime, ListenerInfo listener) : ConnectionHandler
{
    private static ReadOnlySpan<byte> Refused => "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: 57\r\nConnection: close\r\n\r\n{\"error\":\"too many connections from this client address\"}"u8;

    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        var refusal = runtime.Accept.TryAdmit(runtime.Store.Current, (connection.RemoteEndPoint as IPEndPoint)?.Address, out var key);
        if (refusal != AcceptRefusal.None)
        {
            PolicyMetrics.ConnectionsRefused(refusal).Inc();
            return RefuseAsync(connection);
        }

        var run = new ClientConnection(connection, runtime, listener).RunAsync();
        return key == default ? run : ReleaseAfterAsync(run, key);
    }

    private async Task ReleaseAfterAsync(Task run, UInt128 key)
    {
        try
        {
            await run;
        }
        finally
        {
            runtime.Accept.Release(key);
        }
    }

    /// <summary>A short answer a well-behaved client can act on, then close; nothing of the request is read.</summary>
    private static async Task RefuseAsync(ConnectionContext connection)
    {
        try
        {
            await connection.Transport.Output.WriteAsync(Refused.ToArray());
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or InvalidOperationException)
        {
            // The flood's peer is gone already.
        }
    }
}
