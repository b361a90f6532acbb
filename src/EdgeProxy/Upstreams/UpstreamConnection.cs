using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Upstreams;

/// <summary>One keep-alive connection to an upstream endpoint, as a pair of pipes.</summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly ConnectionContext? _transport;
    private readonly Stream? _stream;
    private int _disposed;

    /// <summary>Over Kestrel's socket transport (plain TCP): the same pipes and memory pool as client connections.</summary>
    public UpstreamConnection(UpstreamEndpoint endpoint, ConnectionContext transport)
    {
        Endpoint = endpoint;
        _transport = transport;
        Input = transport.Transport.Input;
        Output = transport.Transport.Output;
    }

    /// <summary>Over a stream (TLS).</summary>
    public UpstreamConnection(UpstreamEndpoint endpoint, Stream stream)
    {
        Endpoint = endpoint;
        _stream = stream;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public UpstreamEndpoint Endpoint { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>How many requests this connection has carried; more than zero means it came from the pool.</summary>
    public int Requests { get; set; }

    public long IdleSince { get; set; }

    /// <summary>
    /// A pooled connection is only worth reusing when the upstream has neither closed it nor sent anything
    /// unsolicited while it sat idle; either way, anything left would desynchronize the next exchange.
    /// </summary>
    public bool IsIdleAndOpen()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (_transport is not null)
        {
            if (Input.TryRead(out var result))
            {
                var clean = result.Buffer.IsEmpty && !result.IsCompleted && !result.IsCanceled;
                Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                return clean;
            }

            return !_transport.ConnectionClosed.IsCancellationRequested;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Endpoint.OnConnectionClosed();
        if (_transport is not null)
        {
            _transport.Abort();
            await _transport.DisposeAsync();
        }
        else if (_stream is not null)
        {
            await Input.CompleteAsync();
            await Output.CompleteAsync();
            await _stream.DisposeAsync();
        }
    }
}
