using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace EdgeProxy.LoadTests.Http;

/// <summary>The outcome of one request/response exchange.</summary>
internal readonly record struct ExchangeResult(int Status, ErrorKind Error, string? Detail = null);

/// <summary>
/// One keep-alive HTTP/1.1 client connection over a raw socket: write the request bytes, parse the response out of
/// one reusable buffer. No per-request allocation on the keep-alive path (socket ValueTasks are backed by cached
/// event args and the async method's box is pooled), which is what lets two cores drive a fast target.
/// Timeouts come from <see cref="Watchdog"/>, which closes a socket whose deadline has passed.
/// </summary>
internal sealed class HttpConnection : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly EndPoint _endPoint;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
    private Socket? _socket;
    private int _start;
    private int _end;
    private long _deadline;
    private int _timedOut;
    private ResponseParser _parser;

    public HttpConnection(EndPoint endPoint)
    {
        _endPoint = endPoint;
    }

    /// <summary>Connections this object has opened (the first and every reconnect).</summary>
    public long Opened { get; private set; }

    /// <summary>Bytes read past the end of the last response (e.g. the first WebSocket frame after a 101).</summary>
    public ReadOnlyMemory<byte> Leftover => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Called by the watchdog: true when a deadline is set and has passed.</summary>
    public bool IsOverdue(long now)
    {
        var deadline = Volatile.Read(ref _deadline);
        return deadline != 0 && now > deadline;
    }

    /// <summary>Called by the watchdog: closes the socket so the pending operation ends as a timeout.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _timedOut, 1) == 0)
        {
            Volatile.Read(ref _socket)?.Dispose();
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> (opening the connection first when needed) and reads the whole response
    /// before <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ExchangeResult> ExchangeAsync(ReadOnlyMemory<byte> request, bool headRequest, long deadline, IBodyObserver? observer = null)
    {
        Volatile.Write(ref _timedOut, 0);
        Volatile.Write(ref _deadline, deadline);
        var stage = ErrorKind.ConnectFailed;
        try
        {
            if (_socket is null)
            {
                var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                _socket = socket;
                Opened++;
                await socket.ConnectAsync(_endPoint).ConfigureAwait(false);
                _start = _end = 0;
            }

            stage = ErrorKind.ConnectionClosed;
            var socketRef = _socket;
            while (request.Length > 0)
            {
                var sent = await socketRef.SendAsync(request, SocketFlags.None).ConfigureAwait(false);
                request = request[sent..];
            }

            _parser.Reset(headRequest);
            while (true)
            {
                var status = _parser.Parse(_buffer.AsSpan(_start, _end - _start), out var consumed, observer);
                _start += consumed;
                if (status == ParseStatus.Complete)
                {
                    break;
                }

                if (status == ParseStatus.Error)
                {
                    return Finish(new ExchangeResult(_parser.StatusCode, ErrorKind.ProtocolError, _parser.Error));
                }

                if (_start == _end)
                {
                    _start = _end = 0;
                }
                else if (_end == _buffer.Length)
                {
                    // Keep the unparsed tail (a partial head or chunk-size line) and make room after it.
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }

                var read = await socketRef.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    if (_parser.OnEndOfStream() == ParseStatus.Complete)
                    {
                        break;
                    }

                    return Finish(new ExchangeResult(_parser.StatusCode, ErrorKind.ConnectionClosed, "connection closed before the response was complete"));
                }

                _end += read;
            }

            Volatile.Write(ref _deadline, 0);
            if (!_parser.KeepAlive || _parser.StatusCode == 101)
            {
                if (_parser.StatusCode != 101)
                {
                    Close();
                }
            }
            else if (_start == _end)
            {
                _start = _end = 0;
            }

            return new ExchangeResult(_parser.StatusCode, ErrorKind.None);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            var kind = Volatile.Read(ref _timedOut) == 1 ? ErrorKind.Timeout : stage;
            return Finish(new ExchangeResult(_parser.StatusCode, kind, e.Message));
        }
    }

    /// <summary>Hands the socket to the caller (after a 101 Switching Protocols); this object forgets it.</summary>
    public Socket? Detach()
    {
        Volatile.Write(ref _deadline, 0);
        var socket = _socket;
        _socket = null;
        return socket;
    }

    public void Close()
    {
        var socket = Interlocked.Exchange(ref _socket, null);
        socket?.Dispose();
        _start = _end = 0;
    }

    public void Dispose()
    {
        Volatile.Write(ref _deadline, 0);
        Close();
    }

    private ExchangeResult Finish(ExchangeResult result)
    {
        Volatile.Write(ref _deadline, 0);
        Close();
        return result;
    }
}
