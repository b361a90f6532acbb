using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using EdgeProxy.LoadTests.Http;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>
/// A WebSocket step: upgrade a fresh connection with the step's request, send <c>messages</c> messages one at a
/// time and record each echo's round trip, then close. Messages are the step's requests in the stats; the
/// handshake's 101 is counted as a status.
/// </summary>
internal static class WebSocketExchange
{
    public static async ValueTask<bool> RunAsync(CompiledStep step, EndPoint endPoint, Watchdog watchdog, IterationContext context, long timeoutTicks, CancellationToken cancellation)
    {
        var stats = step.Stats;
        var config = step.Config;
        using var connection = new HttpConnection(endPoint);
        watchdog.Add(connection);
        try
        {
            var scratch = Array.Empty<byte>();
            var sent = Stopwatch.GetTimestamp();
            var result = await connection.ExchangeAsync(step.Request.Render(context, ref scratch), headRequest: false, sent + timeoutTicks).ConfigureAwait(false);
            if (result.Error != ErrorKind.None)
            {
                stats.Failure(result.Error, result.Status, -1);
                return false;
            }

            if (!config.ExpectStatus.Contains(result.Status) || result.Status != 101)
            {
                stats.Failure(ErrorKind.UnexpectedStatus, result.Status, VirtualUser.Micros(Stopwatch.GetTimestamp() - sent));
                return false;
            }

            stats.Status(101);
            if (connection.Leftover.Length > 0)
            {
                stats.Failure(ErrorKind.ProtocolError, 0, -1);
                return false;
            }

            return await ExchangeMessagesAsync(step, connection.Detach()!, timeoutTicks, cancellation).ConfigureAwait(false);
        }
        finally
        {
            watchdog.Remove(connection);
        }
    }

    private static async Task<bool> ExchangeMessagesAsync(CompiledStep step, Socket socket, long timeoutTicks, CancellationToken cancellation)
    {
        var stats = step.Stats;
        var message = step.Config.Message;
        var buffer = new byte[Math.Max(64, message.Length)];
        var timeout = TimeSpan.FromSeconds((double)timeoutTicks / Stopwatch.Frequency);
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        using var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        for (var m = 0; m < step.Config.Messages; m++)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(timeout);
            var started = Stopwatch.GetTimestamp();
            try
            {
                await webSocket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, deadline.Token).ConfigureAwait(false);
                var received = 0;
                ValueWebSocketReceiveResult receive;
                do
                {
                    if (received == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    receive = await webSocket.ReceiveAsync(buffer.AsMemory(received), deadline.Token).ConfigureAwait(false);
                    if (receive.MessageType == WebSocketMessageType.Close)
                    {
                        stats.Failure(ErrorKind.ConnectionClosed, 0, -1);
                        return false;
                    }

                    received += receive.Count;
                }
                while (!receive.EndOfMessage);

                var micros = VirtualUser.Micros(Stopwatch.GetTimestamp() - started);
                if (!buffer.AsSpan(0, received).SequenceEqual(message))
                {
                    stats.Failure(ErrorKind.ProtocolError, 0, micros);
                    return false;
                }

                stats.Success(0, micros);
            }
            catch (OperationCanceledException)
            {
                stats.Failure(cancellation.IsCancellationRequested ? ErrorKind.ConnectionClosed : ErrorKind.Timeout, 0, -1);
                return false;
            }
            catch (Exception e) when (e is WebSocketException or IOException or SocketException)
            {
                stats.Failure(ErrorKind.ConnectionClosed, 0, -1);
                return false;
            }
        }

        try
        {
            using var closing = new CancellationTokenSource(timeout);
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or SocketException)
        {
            // Every message was echoed: how the peer takes the close does not change the step's outcome.
        }

        return true;
    }
}
