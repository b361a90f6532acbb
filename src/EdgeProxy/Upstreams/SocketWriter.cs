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
        while (_chain.Head is { } segment)
        {
            ValueTask<int> send;
            try
            {
                send = segment.Length == 0 ? new ValueTask<int>(0) : socket.SendAsync(segment.Memory, cancellationToken);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return new ValueTask<FlushResult>(Sent(failed: true));
            }

            if (!send.IsCompletedSuccessfully)
            {
                return AwaitSendAsync(send, cancellationToken);
            }

            NextSegment();
        }

        return new ValueTask<FlushResult>(Sent(failed: false));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> AwaitSendAsync(ValueTask<int> send, CancellationToken cancellationToken)
    {
        try
        {
            await send;
            NextSegment();
            while (_chain.Head is { } segment)
            {
                if (segment.Length > 0)
                {
                    await socket.SendAsync(segment.Memory, cancellationToken);
                }

                NextSegment();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return Sent(failed: true);
        }
        catch (OperationCanceledException)
        {
            Sent(failed: true);
            throw;
        }

        return Sent(failed: false);
    }

    private void NextSegment()
    {
        var head = _chain.Head!;
        if (head.NextSegment is { } next)
        {
            _chain.ReleaseBefore(next);
        }
        else
        {
            _chain.ReleaseAll();
        }
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
    public ValueTask<bool> SendDirectAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        if (_failed)
        {
            return new ValueTask<bool>(false);
        }

        if (data.IsSingleSegment)
        {
            ValueTask<int> send;
            try
            {
                send = socket.SendAsync(data.First, cancellationToken);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                _failed = true;
                return new ValueTask<bool>(false);
            }

            if (send.IsCompletedSuccessfully)
            {
                return new ValueTask<bool>(true);
            }

            return AwaitSendDirectAsync(send, default, cancellationToken);
        }

        return AwaitSendDirectAsync(default, data, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AwaitSendDirectAsync(ValueTask<int> pending, ReadOnlySequence<byte> rest, CancellationToken cancellationToken)
    {
        try
        {
            await pending;
            foreach (var segment in rest)
            {
                await socket.SendAsync(segment, cancellationToken);
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
