using System.IO.Pipelines;
using EdgeProxy.Upstreams.Polling;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Upstreams;

/// <summary>One keep-alive connection to an upstream endpoint, as a pair of pipes.</summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly ConnectionContext? _transport;
    private readonly Stream? _stream;
    private readonly System.Net.Sockets.Socket? _socket;
    private readonly UpstreamSocket? _plain;
    private int _disposed;

    /// <summary>Over a transport given as a connection context (the in-memory transport of benchmarks and tests).</summary>
    public UpstreamConnection(UpstreamEndpoint endpoint, ConnectionContext transport)
    {
        Endpoint = endpoint;
        _transport = transport;
        Input = transport.Transport.Input;
        Output = transport.Transport.Output;
    }

    /// <summary>Plain TCP: reads and writes straight on the socket (see <see cref="SocketReader"/>, <see cref="SocketWriter"/>).</summary>
    public UpstreamConnection(UpstreamEndpoint endpoint, UpstreamSocket socket)
    {
        Endpoint = endpoint;
        _plain = socket;
        Input = new SocketReader(socket);
        Output = new SocketWriter(socket);
    }

    /// <summary>
    /// Over an SslStream (TLS upstreams), read in segments of up to 64 KiB.
    /// </summary>
    public UpstreamConnection(UpstreamEndpoint endpoint, Stream stream, System.Net.Sockets.Socket? socket)
    {
        Endpoint = endpoint;
        _stream = stream;
        _socket = socket;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 8 * 1024, leaveOpen: true));
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

        if (Input is SocketReader reader)
        {
            return !reader.IdleEnded;
        }

        if (Input.TryRead(out var result))
        {
            var clean = result.Buffer.IsEmpty && !result.IsCompleted && !result.IsCanceled;
            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (!clean)
            {
                return false;
            }
        }

        // Readable while idle means the peer closed (or sent something unasked): either way, not reusable.
        if (_socket is not null)
        {
            try
            {
                return !_socket.Poll(0, System.Net.Sockets.SelectMode.SelectRead);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }

        return _transport is null || !_transport.ConnectionClosed.IsCancellationRequested;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Endpoint.OnConnectionClosed();
        if (_plain is not null)
        {
            // Closing the socket ends a read or send running in another task (a tunnel); each side releases its
            // blocks when that operation returns.
            _plain.Dispose();
            Input.Complete();
            Output.Complete();
        }
        else if (_transport is not null)
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
