using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

// The floor under any server on Kestrel's socket transport: a ConnectionHandler that answers every request head
// with a fixed 13-byte response, no parsing beyond finding the head's end, no upstream. Set up as the gateway sets
// up its client side (inline completions and scheduling, the engine's threads), so its CPU per request is what the
// mandated transport costs before the gateway does any work of its own.
//
//   TransportFloor [PORT]    (127.0.0.1, default 18095)
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 18095;
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseKestrelCore();
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseConnectionHandler<FixedResponseHandler>());
});
var app = builder.Build();
await app.RunAsync();

internal sealed class FixedResponseHandler : ConnectionHandler
{
    private static ReadOnlySpan<byte> Response => "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"u8;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            var consumed = Answer(buffer, output);
            input.AdvanceTo(consumed, buffer.End);
            if (!consumed.Equals(buffer.Start))
            {
                await output.FlushAsync();
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Writes one response per complete head in <paramref name="buffer"/>; returns where the last one ended.</summary>
    private static SequencePosition Answer(ReadOnlySequence<byte> buffer, System.IO.Pipelines.PipeWriter output)
    {
        var reader = new SequenceReader<byte>(buffer);
        var consumed = buffer.Start;
        while (reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8))
        {
            output.Write(Response);
            consumed = reader.Position;
        }

        return consumed;
    }
}
