using System.IO.Pipelines;
using System.Net.Sockets;

namespace EdgeProxy.Upstreams;

/// <summary>
/// A connected socket as a pair of pipes, for upstream connections. Unlike Kestrel's transport (4 KiB per
/// receive) it receives up to a 32 KiB block at a time, so a large response crosses the proxy in few reads;
/// it waits for data with a zero-byte receive, so idle pooled connections hold no buffer; and it allocates
/// nothing per read or write once running (socket operations complete through the socket's cached awaitables).
/// </summary>
internal sealed class SocketPipe : IDuplexPipe
{
    private static readonly PipeOptions Options = new(
        pool: BlockMemoryPool.Instance,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        // Per connection at most this much of a response waits for a slow client (nginx holds 8 x 8 KiB by default),
        // so memory stays flat with many concurrent large transfers while a block is always ready to send.
        pauseWriterThreshold: 128 * 1024,
        resumeWriterThreshold: 64 * 1024,
        minimumSegmentSize: BlockMemoryPool.BlockSize,
        useSynchronizationContext: false);

    private readonly Socket _socket;
    private readonly Pipe _input = new(Options);
    private readonly Pipe _output = new(Options);
    private readonly Task _receiving;
    private readonly Task _sending;

    public SocketPipe(Socket socket)
    {
        _socket = socket;
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output.Writer;

    /// <summary>Closes the socket; both loops end and complete their pipes.</summary>
    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _input.Reader.CompleteAsync();
        await _output.Writer.CompleteAsync();
        await Task.WhenAll(_receiving, _sending);
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            var drained = true;
            while (true)
            {
                // Wait for data without a buffer when the socket was drained (an idle pooled connection holds no
                // block); after a read that filled its block more is most likely waiting, so read straight on and
                // spend one receive per block of a large body, not two.
                if (drained)
                {
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                }

                var memory = writer.GetMemory(BlockMemoryPool.BlockSize / 2);
                var received = await _socket.ReceiveAsync(memory, SocketFlags.None);
                if (received == 0)
                {
                    break;
                }

                drained = received < memory.Length;

                writer.Advance(received);
                var flush = await writer.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            // Disposal ends the loop quietly; a reset reaches the reader as an IOException, like a stream's would.
            error = e switch
            {
                ObjectDisposedException or OperationCanceledException => null,
                SocketException socket => new IOException("upstream connection failed: " + socket.SocketErrorCode, socket),
                _ => e,
            };
        }

        await writer.CompleteAsync(error);
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _socket.SendAsync(segment, SocketFlags.None);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The socket closed under us: the receive side reports it to the reader.
        }

        await reader.CompleteAsync();
    }
}
