using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace EdgeProxy.Upstreams.Polling;

/// <summary>
/// A plain upstream TCP socket: non-blocking calls on the caller's thread, and waits on the gateway's own
/// <see cref="SocketPoller"/> instead of .NET's socket engine. Each direction keeps what the last edge and the last
/// call said: a receive that found the socket empty, or a send that found the buffer full, waits for the next edge
/// without trying again (as nginx does with edge-triggered epoll), and a waiting operation resumes on the poller's
/// thread when that edge comes. One receive and one send may be outstanding at a time (a tunnel has both).
/// Where the poller is not available (<see cref="SocketPoller.IsEnabled"/>) every call goes to .NET's socket.
/// </summary>
internal sealed class UpstreamSocket : IDisposable
{
    private readonly Socket _socket;
    private readonly SocketPoller? _poller;
    private readonly int _fd;
    private readonly Direction _receive;
    private readonly Direction _send;
    private int _disposed;

    private UpstreamSocket(Socket socket)
    {
        _socket = socket;
        _receive = new Direction(socket, receives: true);
        _send = new Direction(socket, receives: false);
        if (SocketPoller.IsEnabled)
        {
            socket.Blocking = false;
            _fd = (int)socket.SafeHandle.DangerousGetHandle();
            _poller = SocketPoller.Next();
        }
    }

    /// <summary>The key this socket's events carry on its poller; 0 until it is registered.</summary>
    public ulong PollKey { get; set; }

    /// <summary>SO_RCVBUF as the kernel reports it (twice what was set, for its bookkeeping).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> (an address, or a name tried address by address).</summary>
    public static async ValueTask<UpstreamSocket> ConnectAsync(string host, int port, int receiveBuffer, CancellationToken cancellation)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return await ConnectAsync(new IPEndPoint(address, port), receiveBuffer, cancellation);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellation);
        SocketException? last = null;
        foreach (var candidate in addresses)
        {
            try
            {
                return await ConnectAsync(new IPEndPoint(candidate, port), receiveBuffer, cancellation);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// A TCP socket with Nagle off and, when <paramref name="receiveBuffer"/> is not 0, that receive buffer: set before
    /// the connect, so the window scale negotiated in the handshake can use it.
    /// </summary>
    public static Socket CreateTcp(int receiveBuffer)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer > 0)
        {
            socket.ReceiveBufferSize = receiveBuffer;
        }

        return socket;
    }

    private static async ValueTask<UpstreamSocket> ConnectAsync(IPEndPoint endpoint, int receiveBuffer, CancellationToken cancellation)
    {
        var socket = CreateTcp(receiveBuffer);
        if (!SocketPoller.IsEnabled)
        {
            try
            {
                await socket.ConnectAsync(endpoint, cancellation);
                return new UpstreamSocket(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var upstream = new UpstreamSocket(socket);
        try
        {
            var connecting = false;
            try
            {
                socket.Connect(endpoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                connecting = true;
                upstream._send.MarkEmpty();
            }

            // Registered only once the connect has started: an unconnected socket reports a hang-up, which would
            // end the wait below before the connection exists. Registering reports the state at that moment, so a
            // connect that finished in between is not missed.
            upstream._poller!.Register(upstream, upstream._fd);
            if (connecting)
            {
                // A non-blocking connect finishes when the socket becomes writable; SO_ERROR then says how it went.
                await upstream._send.WaitAsync(cancellation);
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }
            }

            return upstream;
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/>; 0 at the end of the stream. A failure is a <see cref="SocketException"/>
    /// (<see cref="SocketError.OperationAborted"/> when the socket was disposed under the receive), an
    /// <see cref="ObjectDisposedException"/> when it was disposed before, or an <see cref="OperationCanceledException"/>.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellation) =>
        _poller is null ? _socket.ReceiveAsync(buffer, SocketFlags.None, cancellation) : _receive.Start(buffer, cancellation);

    /// <summary>Sends all of <paramref name="data"/>; completes when the kernel has taken the last byte.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellation) =>
        _poller is null ? _socket.SendAsync(data, SocketFlags.None, cancellation) : _send.Start(data, cancellation);

    /// <summary>
    /// True when the upstream closed the connection or sent something unasked since the last receive drained it:
    /// an idle pooled connection in that state cannot carry a request. No system call unless an edge came.
    /// </summary>
    public bool IdleEnded()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return true;
        }

        if (_poller is null)
        {
            return Poll();
        }

        if (_receive.PeerClosed)
        {
            return true;
        }

        if (_receive.KnownEmpty)
        {
            return false;
        }

        // An edge came (or a receive filled its whole buffer): look without taking anything.
        Span<byte> one = stackalloc byte[1];
        _receive.MarkEmpty();
        SocketError error;
        try
        {
            _socket.Receive(one, SocketFlags.Peek, out error);
        }
        catch (ObjectDisposedException)
        {
            return true;
        }

        if (error == SocketError.WouldBlock)
        {
            return false;
        }

        _receive.MarkReady();
        return true;
    }

    private bool Poll()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Called on the poller's thread with the events of one edge.</summary>
    public void OnEvents(uint events)
    {
        // The peer's close is remembered, not only signalled: its edge may come together with the last data, and a
        // receive that then returns that data short must not wait for another edge (the end is reported by the next
        // receive, and no edge will announce it again).
        if ((events & (Epoll.ReadHangUp | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _receive.MarkPeerClosed();
        }

        if ((events & (Epoll.HangUp | Epoll.Error)) != 0)
        {
            _send.MarkPeerClosed();
        }

        if ((events & (Epoll.In | Epoll.ReadHangUp | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _receive.OnEdge();
        }

        if ((events & (Epoll.Out | Epoll.HangUp | Epoll.Error)) != 0)
        {
            _send.OnEdge();
        }
    }

    /// <summary>Closes the socket; an operation waiting on it ends with <see cref="SocketError.OperationAborted"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (PollKey != 0)
        {
            _poller!.Unregister(PollKey, _fd);
        }

        _socket.Dispose();
        _receive.Abort();
        _send.Abort();
    }

    /// <summary>One direction's readiness and its one outstanding operation.</summary>
    private sealed class Direction(Socket socket, bool receives) : IValueTaskSource<int>
    {
        // Ready: the socket may have data (or room): try the call. Empty: the last call found nothing and no edge has
        // come since, so an operation waits without trying. Waiting: an operation waits for the next edge.
        private const int Ready = 0, Empty = 1, Waiting = 2;

        private static readonly Action<object?> s_cancel = static s => ((Direction)s!).Cancel();

        private readonly Socket _socket = socket;
        private ManualResetValueTaskSourceCore<int> _core;
        private int _state;
        private bool _peerClosed;
        private Memory<byte> _buffer;
        private ReadOnlyMemory<byte> _data;
        private int _sent;
        private bool _connecting;
        private CancellationToken _cancellation;
        private CancellationTokenRegistration _registration;

        public bool KnownEmpty => Volatile.Read(ref _state) == Empty;

        /// <summary>
        /// An edge reported the peer's close or an error (for receives also a half-close): the calls in this
        /// direction now end at once (end of stream or the error), so they never wait for an edge.
        /// </summary>
        public bool PeerClosed => Volatile.Read(ref _peerClosed);

        public void MarkPeerClosed() => Volatile.Write(ref _peerClosed, true);

        public void MarkEmpty() => Volatile.Write(ref _state, Empty);

        public void MarkReady() => Volatile.Write(ref _state, Ready);

        public ValueTask<int> Start(Memory<byte> buffer, CancellationToken cancellation)
        {
            _buffer = buffer;
            return Begin(cancellation);
        }

        public ValueTask<int> Start(ReadOnlyMemory<byte> data, CancellationToken cancellation)
        {
            _data = data;
            _sent = 0;
            return Begin(cancellation);
        }

        /// <summary>Waits for the socket to become writable (a non-blocking connect finishing).</summary>
        public ValueTask<int> WaitAsync(CancellationToken cancellation)
        {
            _connecting = true;
            return Begin(cancellation);
        }

        private ValueTask<int> Begin(CancellationToken cancellation)
        {
            if (cancellation.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<int>(cancellation);
            }

            _core.Reset();
            _cancellation = cancellation;
            var outcome = Attempt(out var result, out var error);
            if (outcome == Outcome.Done)
            {
                return error is null ? new ValueTask<int>(result) : ValueTask.FromException<int>(error);
            }

            if (cancellation.CanBeCanceled)
            {
                _registration = cancellation.UnsafeRegister(s_cancel, this);

                // Cancelled between the attempt and the registration: the callback ran before there was a wait.
                if (cancellation.IsCancellationRequested)
                {
                    Cancel();
                }
            }

            return new ValueTask<int>(this, _core.Version);
        }

        private enum Outcome
        {
            Done,
            Waits,
        }

        /// <summary>Tries the call until it completes or the direction is left waiting for an edge.</summary>
        private Outcome Attempt(out int result, out Exception? error)
        {
            error = null;
            var triedClosed = false;
            while (true)
            {
                // Known empty: wait without a call, unless the peer has closed (then the call ends at once; if it
                // still found nothing, wait like any other).
                if ((triedClosed || !PeerClosed) && Volatile.Read(ref _state) == Empty)
                {
                    if (Interlocked.CompareExchange(ref _state, Waiting, Empty) == Empty)
                    {
                        result = 0;
                        return Outcome.Waits;
                    }

                    continue;
                }

                if (_connecting)
                {
                    _connecting = false;
                    result = 0;
                    return Outcome.Done;
                }

                // Empty before the call: an edge during or after it sets Ready again, so none is lost.
                triedClosed = PeerClosed;
                Volatile.Write(ref _state, Empty);
                if (Call(out result, out error))
                {
                    return Outcome.Done;
                }
            }
        }

        /// <summary>One system call; true when the operation is over (done or failed), false when it must wait.</summary>
        private bool Call(out int result, out Exception? error)
        {
            error = null;
            result = 0;
            SocketError status;
            try
            {
                if (receives)
                {
                    var count = _socket.Receive(_buffer.Span, SocketFlags.None, out status);
                    if (status == SocketError.Success)
                    {
                        // A full buffer may have left more behind; a short one emptied the socket (or, when the peer has
                        // closed, left the end of the stream, which the next attempt reads without waiting).
                        if (count == _buffer.Length || count == 0)
                        {
                            Volatile.Write(ref _state, Ready);
                        }

                        result = count;
                        _buffer = default;
                        return true;
                    }
                }
                else
                {
                    var count = _socket.Send(_data.Span[_sent..], SocketFlags.None, out status);
                    if (status == SocketError.Success)
                    {
                        _sent += count;
                        if (_sent == _data.Length)
                        {
                            Volatile.Write(ref _state, Ready);
                            result = _sent;
                            _data = default;
                            return true;
                        }

                        // A short send: the buffer is full, wait for room.
                        return false;
                    }
                }
            }
            catch (ObjectDisposedException e)
            {
                Volatile.Write(ref _state, Ready);
                error = e;
                return true;
            }

            if (status == SocketError.WouldBlock)
            {
                return false;
            }

            Volatile.Write(ref _state, Ready);
            error = new SocketException((int)status);
            return true;
        }

        /// <summary>An edge for this direction (poller thread): resume the waiting operation, if any.</summary>
        public void OnEdge()
        {
            if (Interlocked.Exchange(ref _state, Ready) != Waiting)
            {
                return;
            }

            if (Attempt(out var result, out var error) == Outcome.Waits)
            {
                return;
            }

            Complete(result, error);
        }

        private void Cancel()
        {
            if (_cancellation.IsCancellationRequested && Interlocked.CompareExchange(ref _state, Ready, Waiting) == Waiting)
            {
                Complete(0, new OperationCanceledException(_cancellation));
            }
        }

        /// <summary>The socket was disposed: a waiting operation ends as aborted.</summary>
        public void Abort()
        {
            if (Interlocked.Exchange(ref _state, Ready) == Waiting)
            {
                Complete(0, new SocketException((int)SocketError.OperationAborted));
            }
        }

        private void Complete(int result, Exception? error)
        {
            // Unregister, not Dispose: the cancel callback may be running on the timer's thread right now (and lose).
            _registration.Unregister();
            _registration = default;
            _buffer = default;
            _data = default;
            _connecting = false;
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }

        int IValueTaskSource<int>.GetResult(short token) => _core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
