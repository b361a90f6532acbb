using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using EdgeProxy.Buffers;
using EdgeProxy.Upstreams.Polling;

namespace EdgeProxy.Upstreams;

/// <summary>
/// The read side of a plain upstream socket as a <see cref="PipeReader"/>, without a pipe: a read receives
/// straight into the reader's own blocks on the caller's thread. A pipe in between costs a lock on every read and
/// a loop that hands each receive to the reader; here a receive that completes at once (a response already
/// waiting) is handed back synchronously, and one that waits resumes the caller directly. Receives take up to a
/// 32 KiB block, so a large response crosses the proxy in few reads; nothing is received until the caller asks
/// (back-pressure), and consumed blocks go back to the pool, so an idle pooled connection holds none.
/// A read pending while <see cref="CancelPendingRead"/> is called is not interrupted (nothing here needs it:
/// reads are bounded by the exchange timer's token). The socket's waits are the gateway's own poller's
/// (<see cref="UpstreamSocket"/>): after a request's send, the read goes straight to waiting for the response.
/// A read that has to wait completes through the reader itself (<see cref="IValueTaskSource{TResult}"/>, one per
/// connection), not an async method: a pooled async-method box is rented on the thread that starts the read and
/// returned on the one that completes it, and with the client's and the upstream's sockets on different event-loop
/// threads every read missed the rent-side cache and allocated.
/// </summary>
internal sealed class SocketReader : PipeReader, IValueTaskSource<ReadResult>
{
    private readonly UpstreamSocket socket;
    private readonly Action _onReceiveDone;
    private ManualResetValueTaskSourceCore<ReadResult> _pending;
    private ValueTask<int> _receive;
    private CancellationToken _token;
    private SocketSegmentChain _chain;
    private int _headStart;
    private bool _examinedAll;
    private bool _endOfStream;
    private bool _cancelNext;

    public SocketReader(UpstreamSocket socket)
    {
        this.socket = socket;
        _onReceiveDone = OnReceiveDone;
    }

    private ReadOnlySequence<byte> Buffered => _chain.IsEmpty
        ? ReadOnlySequence<byte>.Empty
        : new ReadOnlySequence<byte>(_chain.Head!, _headStart, _chain.Tail!, _chain.Tail!.Length);

    /// <summary>
    /// The upstream closed the connection or sent something while it was idle in the pool (see
    /// <see cref="UpstreamSocket.IdleEnded"/>): it cannot carry a request.
    /// </summary>
    public bool IdleEnded => _endOfStream || !_chain.IsEmpty || socket.IdleEnded();

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        if (_cancelNext)
        {
            _cancelNext = false;
            result = new ReadResult(Buffered, isCanceled: true, isCompleted: false);
            return true;
        }

        if (_endOfStream || (!_chain.IsEmpty && !_examinedAll))
        {
            result = new ReadResult(Buffered, isCanceled: false, isCompleted: _endOfStream);
            return true;
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryRead(out var buffered))
        {
            return new ValueTask<ReadResult>(buffered);
        }

        cancellationToken.ThrowIfCancellationRequested();
        _pending.Reset();
        _token = cancellationToken;
        if (TryReceive(out var result, out var error))
        {
            return error is null ? new ValueTask<ReadResult>(result) : ValueTask.FromException<ReadResult>(error);
        }

        return new ValueTask<ReadResult>(this, _pending.Version);
    }

    /// <summary>
    /// Starts a receive into the tail block; true when it finished at once (with a result or an error), false when it
    /// waits, and <see cref="OnReceiveDone"/> then completes the pending read.
    /// </summary>
    private bool TryReceive(out ReadResult result, out Exception? error)
    {
        _chain.BeginOperation();
        var free = _chain.GetFree(BlockMemoryPool.BlockSize / 2);
        ValueTask<int> receive;
        try
        {
            receive = socket.ReceiveAsync(free, _token);
        }
        catch (Exception e)
        {
            error = Received(0, e);
            result = error is null ? Result() : default;
            return true;
        }

        if (!receive.IsCompleted)
        {
            _receive = receive;
            receive.GetAwaiter().UnsafeOnCompleted(_onReceiveDone);
            result = default;
            error = null;
            return false;
        }

        error = Finish(receive);
        result = error is null ? Result() : default;
        return true;
    }

    private Exception? Finish(ValueTask<int> receive)
    {
        try
        {
            return Received(receive.GetAwaiter().GetResult(), null);
        }
        catch (Exception e)
        {
            return Received(0, e);
        }
    }

    private void OnReceiveDone()
    {
        var receive = _receive;
        _receive = default;
        CompleteRead(Finish(receive));
    }

    private void CompleteRead(Exception? error)
    {
        if (error is null)
        {
            _pending.SetResult(Result());
        }
        else
        {
            _pending.SetException(error);
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pending.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pending.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _pending.OnCompleted(continuation, state, token, flags);

    /// <summary>Books a finished receive; returns the exception the caller should see, if any.</summary>
    private Exception? Received(int count, Exception? error)
    {
        // Completed while the receive ran (the connection was disposed from another task): release now.
        if (_chain.EndOperation())
        {
            _endOfStream = true;
            return error is OperationCanceledException ? error : null;
        }

        if (error is not null)
        {
            var failure = Translate(error);
            if (failure is null)
            {
                _endOfStream = true;
            }

            return failure;
        }

        if (count == 0)
        {
            _endOfStream = true;
        }
        else
        {
            _chain.Tail!.Filled(count);
            _examinedAll = false;
        }

        return null;
    }

    /// <summary>
    /// What a failed receive means to the reader: null for the end of the stream (the socket was closed under the
    /// read, which is how disposal ends it), an IOException for a reset, like a stream's; anything else as it is.
    /// </summary>
    private static Exception? Translate(Exception error) => error switch
    {
        ObjectDisposedException => null,
        SocketException { SocketErrorCode: SocketError.OperationAborted } => null,
        SocketException socketError => new IOException("upstream connection failed: " + socketError.SocketErrorCode, socketError),
        _ => error,
    };

    /// <summary>Nothing buffered, not at the end: a receive may go straight into another buffer.</summary>
    public bool IsDrained => _chain.IsEmpty && !_endOfStream && !_cancelNext;

    /// <summary>
    /// Receives straight into <paramref name="destination"/> (the client's output buffer): a response body relayed
    /// this way is not copied out of this reader's blocks. Only when <see cref="IsDrained"/>; 0 at the end of the stream.
    /// </summary>
    public ValueTask<int> ReceiveIntoAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        ValueTask<int> receive;
        try
        {
            receive = socket.ReceiveAsync(destination, cancellationToken);
        }
        catch (Exception e)
        {
            return ReceivedInto(0, e);
        }

        return receive.IsCompletedSuccessfully ? ReceivedInto(receive.Result, null) : AwaitReceiveIntoAsync(receive);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReceiveIntoAsync(ValueTask<int> receive)
    {
        int count;
        try
        {
            count = await receive;
        }
        catch (Exception e)
        {
            return await ReceivedInto(0, e);
        }

        return await ReceivedInto(count, null);
    }

    private ValueTask<int> ReceivedInto(int count, Exception? error)
    {
        var failure = error is null ? null : Translate(error);
        if (failure is not null)
        {
            return ValueTask.FromException<int>(failure);
        }

        _endOfStream |= count == 0;
        return new ValueTask<int>(count);
    }

    private ReadResult Result() => new(Buffered, isCanceled: false, isCompleted: _endOfStream);

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        if (_chain.IsEmpty)
        {
            return;
        }

        var tail = _chain.Tail!;
        _examinedAll = ReferenceEquals(examined.GetObject(), tail) && examined.GetInteger() == tail.Length;
        var segment = (SocketSegment?)consumed.GetObject() ?? _chain.Head!;
        var index = consumed.GetInteger();
        if (ReferenceEquals(segment, tail) && index == tail.Length)
        {
            // Everything consumed: no block is held between reads.
            _chain.ReleaseAll();
            _headStart = 0;
            return;
        }

        if (index == segment.Length && segment.NextSegment is { } next)
        {
            segment = next;
            index = 0;
        }

        _chain.ReleaseBefore(segment);
        _headStart = index;
    }

    public override void CancelPendingRead() => _cancelNext = true;

    public override void Complete(Exception? exception = null) => _chain.Complete();

    private void ThrowIfCompleted()
    {
        if (_chain.IsCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }
}
