using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using EdgeProxy.Upstreams.Polling;

namespace EdgeProxy.Upstreams;

/// <summary>
/// The write side of a plain upstream socket as a <see cref="PipeWriter"/>, without a pipe: writes fill the
/// writer's own blocks and a flush sends them on the caller's thread, so a request head goes out in the flush that
/// ends it, with no lock and no hand-off to a send loop. A flush completes when the kernel has taken every byte,
/// which is the back-pressure a slow upstream puts on a streamed request body. A failed send ends writing: that
/// flush and every later one report <see cref="FlushResult.IsCompleted"/>, and the reader reports the error.
/// </summary>
internal sealed class SocketWriter(UpstreamSocket socket) : PipeWriter
{
    private SocketSegmentChain _chain;
    private long _unflushed;
    private bool _failed;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _unflushed;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        ThrowIfCompleted();
        return _chain.GetFree(sizeHint);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        _chain.Tail!.Filled(bytes);
        _unflushed += bytes;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if (_failed || _chain.IsEmpty)
        {
            _chain.ReleaseAll();
            _unflushed = 0;
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: _failed));
        }

        _chain.BeginOperation();
        var send = SendAsync(new ReadOnlySequence<byte>(_chain.Head!, 0, _chain.Tail!, _chain.Tail!.Length), cancellationToken);
        return send.IsCompletedSuccessfully ? new ValueTask<FlushResult>(Sent(failed: !send.Result)) : AwaitFlushAsync(send);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> AwaitFlushAsync(ValueTask<bool> send)
    {
        bool sent;
        try
        {
            sent = await send;
        }
        catch (OperationCanceledException)
        {
            Sent(failed: true);
            throw;
        }

        return Sent(failed: !sent);
    }

    private FlushResult Sent(bool failed)
    {
        _failed |= failed;
        _unflushed = 0;
        if (_chain.EndOperation())
        {
            return new FlushResult(isCanceled: false, isCompleted: true);
        }

        _chain.ReleaseAll();
        return new FlushResult(isCanceled: false, isCompleted: _failed);
    }

    /// <summary>
    /// Sends <paramref name="data"/> (the client's input buffer) straight to the socket, not copied into this
    /// writer's blocks: a request body relayed this way is copied once, by the kernel. Only with nothing unflushed;
    /// false when the send failed (writing has ended, as after a failed flush).
    /// </summary>
    public ValueTask<bool> SendDirectAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken) =>
        _failed ? new ValueTask<bool>(false) : SendAsync(data, cancellationToken);

    /// <summary>
    /// Sends <paramref name="data"/> segment by segment, each straight from its memory; false when a send failed
    /// (writing has ended). The one send loop of both a flush (this writer's blocks) and a direct send.
    /// </summary>
    private ValueTask<bool> SendAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        var next = data.Start;
        while (data.TryGet(ref next, out var segment))
        {
            if (segment.IsEmpty)
            {
                continue;
            }

            ValueTask<int> send;
            try
            {
                send = socket.SendAsync(segment, cancellationToken);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                _failed = true;
                return new ValueTask<bool>(false);
            }

            if (!send.IsCompletedSuccessfully)
            {
                return AwaitSendAsync(send, data, next, cancellationToken);
            }
        }

        return new ValueTask<bool>(true);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitSendAsync(ValueTask<int> pending, ReadOnlySequence<byte> data, SequencePosition next, CancellationToken cancellationToken)
    {
        try
        {
            await pending;
            while (data.TryGet(ref next, out var segment))
            {
                if (!segment.IsEmpty)
                {
                    await socket.SendAsync(segment, cancellationToken);
                }
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _failed = true;
            return false;
        }
    }

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null) => _chain.Complete();

    private void ThrowIfCompleted()
    {
        if (_chain.IsCompleted)
        {
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }
    }
}
