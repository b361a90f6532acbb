using System.Buffers;
using System.IO.Pipelines;
using EdgeProxy.Upstreams;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Http;

/// <summary>
/// After 101 Switching Protocols (WebSocket and other upgrades) the client and upstream connections become one
/// byte stream in each direction until either side closes; the upstream connection is never reused.
/// </summary>
internal static class ProtocolTunnel
{
    public static async Task RunAsync(PipeReader clientInput, PipeWriter clientOutput, UpstreamConnection upstream)
    {
        try
        {
            var up = PumpAsync(clientInput, upstream.Output);
            var down = PumpAsync(upstream.Input, clientOutput);
            await Task.WhenAny(up, down);
        }
        finally
        {
            await upstream.DisposeAsync();
        }
    }

    private static async Task PumpAsync(PipeReader source, PipeWriter destination)
    {
        try
        {
            while (true)
            {
                var result = await source.ReadAsync();
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    destination.Write(segment.Span);
                }

                source.AdvanceTo(buffer.End);
                var flush = await destination.FlushAsync();
                if (result.IsCompleted || result.IsCanceled || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
        {
            // Either side closing ends the tunnel.
        }
    }
}
