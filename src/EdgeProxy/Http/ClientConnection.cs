using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeProxy.Config;
using EdgeProxy.Observability;
using EdgeProxy.Routing;
using EdgeProxy.Upstreams;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Http;

/// <summary>
/// One client connection: read a request head, route it, forward it over a pooled upstream connection and
/// stream the response back, then the next request (keep-alive and pipelining) until either side closes.
/// Everything per request lives in fields reused across requests; the awaits use pooled builders.
/// </summary>
internal sealed class ClientConnection
{
    private const int MaxResponseHead = 64 * 1024;
    private const int MaxResponseStartLine = 8 * 1024;
    private const int MaxResponseHeaders = 256;

    private readonly ConnectionContext _context;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly GatewayRuntime _runtime;
    private readonly ListenerInfo _listener;
    private readonly ExchangeTimer _timer = new();
    private readonly Range[] _captures = new Range[16];
    private readonly byte[] _requestId = new byte[RequestIds.MaxIncomingLength];
    private readonly CancellationToken _closeRequested;
    private readonly IPAddress? _clientIp;
    private readonly string _client;
    private readonly byte[] _clientAddress;
    private readonly byte[] _forwardedFor;
    private readonly byte[] _logMethod = new byte[24];
    private readonly byte[] _logPath = new byte[512];
    private int _logMethodLength;
    private int _logPathLength;
    private bool _bodyForwarded;
    private RequestHead? _request;
    private ResponseHead? _response;
    private int _requestIdLength;

    // The current request head: still inside the client pipe's buffer (not yet consumed) or copied to _headCopy.
    private ReadOnlySequence<byte> _pendingBuffer;
    private ReadOnlyMemory<byte> _head;
    private bool _headConsumed;
    private byte[]? _headCopy;
    private byte[]? _responseHeadCopy;

    public ClientConnection(ConnectionContext context, GatewayRuntime runtime, ListenerInfo listener)
    {
        _context = context;
        _input = context.Transport.Input;
        _output = context.Transport.Output;
        _runtime = runtime;
        _listener = listener;

        // Set by Kestrel when the server shuts down: finish the request in flight, then close.
        _closeRequested = context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        _clientIp = (context.RemoteEndPoint as IPEndPoint)?.Address;
        if (_clientIp is { IsIPv4MappedToIPv6: true })
        {
            _clientIp = _clientIp.MapToIPv4();
        }

        _client = _clientIp?.ToString() ?? "unknown";
        _clientAddress = Encoding.ASCII.GetBytes(_client);
        _forwardedFor = _clientIp?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? Encoding.ASCII.GetBytes($"\"[{_client}]\"")
            : _clientAddress;
    }

    private ReadOnlySpan<byte> RequestId => _requestId.AsSpan(0, _requestIdLength);

    public async Task RunAsync()
    {
        GatewayMetrics.ClientConnections.Inc();
        using var drain = _closeRequested.UnsafeRegister(static s => ((PipeReader)s!).CancelPendingRead(), _input);
        try
        {
            while (!_closeRequested.IsCancellationRequested)
            {
                var snapshot = _runtime.Store.Current;
                if (!await ReadHeadAsync(snapshot))
                {
                    break;
                }

                var keepAlive = await HandleRequestAsync(snapshot);
                ConsumeHead();
                _timer.Disarm();
                if (!keepAlive)
                {
                    break;
                }
            }
        }
        catch (BadRequestException e)
        {
            await RejectAsync(e.Reason);
        }
        catch (OperationCanceledException) when (_timer.Fired)
        {
            if (_timer.Phase == TimerPhase.RequestHead)
            {
                await RejectAsync(RejectReason.HeaderTimeout);
            }
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            Log.ConnectionError(_runtime.Logger, e, _client);
        }
        finally
        {
            _timer.Dispose();
            GatewayMetrics.ClientConnections.Dec();
        }
    }

    /// <summary>Waits for a complete request head. False when the client closed (or drain began) between requests.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadHeadAsync(PolicySnapshot snapshot)
    {
        var limits = snapshot.Limits;
        _timer.Arm(TimerPhase.KeepAlive, limits.KeepAliveTimeout);
        var started = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _input.ReadAsync(_timer.Token);
            }
            catch (OperationCanceledException) when (_timer.Phase == TimerPhase.KeepAlive)
            {
                return false;
            }

            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                // Drain requested: stop between requests, or finish reading a head already started.
                if (!started && buffer.IsEmpty)
                {
                    return false;
                }
            }

            // RFC 9112 §2.2: ignore empty lines before a request-line.
            if (!started)
            {
                var skip = 0L;
                var reader = new SequenceReader<byte>(buffer);
                while (reader.IsNext("\r\n"u8, advancePast: true))
                {
                    skip += 2;
                }

                buffer = buffer.Slice(skip);
                if (skip > 0 && buffer.IsEmpty)
                {
                    _input.AdvanceTo(buffer.Start);
                    if (result.IsCompleted)
                    {
                        return false;
                    }

                    continue;
                }
            }

            if (!buffer.IsEmpty && !started)
            {
                started = true;
                _timer.Arm(TimerPhase.RequestHead, limits.HeaderTimeout);
            }

            int headLength;
            if (buffer.IsSingleSegment)
            {
                headLength = HeadFramer.FindEnd(buffer.FirstSpan, limits.MaxRequestLineBytes, snapshot.MaxHeadBytes);
                if (headLength > 0)
                {
                    _head = buffer.First[..headLength];
                }
            }
            else
            {
                var copy = Linearize(buffer, snapshot.MaxHeadBytes + 1, ref _headCopy);
                headLength = HeadFramer.FindEnd(copy, limits.MaxRequestLineBytes, snapshot.MaxHeadBytes);
                if (headLength > 0)
                {
                    _head = _headCopy.AsMemory(0, headLength);
                }
            }

            if (headLength > 0)
            {
                _pendingBuffer = buffer.Slice(0, headLength);
                _headConsumed = false;
                return true;
            }

            if (result.IsCompleted)
            {
                if (!started)
                {
                    return false;
                }

                BadRequestException.Throw(RejectReason.UnexpectedEndOfRequest);
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private void ConsumeHead()
    {
        if (!_headConsumed)
        {
            _headConsumed = true;
            _input.AdvanceTo(_pendingBuffer.End);
            _pendingBuffer = default;
            _head = default;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> HandleRequestAsync(PolicySnapshot snapshot)
    {
        var started = Stopwatch.GetTimestamp();
        _request ??= new RequestHead(snapshot.Limits.MaxHeaderCount);
        if (_request.Headers.Entries.Length < snapshot.Limits.MaxHeaderCount)
        {
            _request = new RequestHead(snapshot.Limits.MaxHeaderCount);
        }

        var request = _request;
        _bodyForwarded = false;
        _logMethodLength = 0;
        _logPathLength = 0;
        CompiledRoute? route;
        try
        {
            var head = _head.Span;
            Http11Parser.ParseRequest(head, request, snapshot.Limits.MaxHeaderCount);
            SetRequestId(head, request);
            KeepForLog(head, request);
            route = snapshot.Routes.Match(head, request, _captures);
        }
        catch (BadRequestException e)
        {
            await RejectAsync(e.Reason);
            return false;
        }

        if (route is null)
        {
            return await AnswerAsync(started, null, 404, ProxyErrorKind.NoRoute, "no route matches the request");
        }

        if (request.Headers.ContentLength > route.MaxBodyBytes)
        {
            return await AnswerAsync(started, route, 413, ProxyErrorKind.BodyTooLarge, "request body too large");
        }

        return await ForwardAsync(snapshot, route, started);
    }

    /// <summary>The gateway answers itself (no route, body too large, upstream failure before any response byte).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AnswerAsync(long started, CompiledRoute? route, int status, ProxyErrorKind kind, string message)
    {
        var request = _request!;
        // A body we did not read would be taken for the next request, so the connection closes unless there was none.
        var keepAlive = request.KeepAlive && (!request.HasBody || _bodyForwarded);
        ClientResponseWriter.WriteError(_output, status, message, RequestId, close: !keepAlive, headOnly: request.IsHead);
        await _output.FlushAsync();
        Record(started, 0, route, null, status, 0, 0, kind);
        return keepAlive;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(PolicySnapshot snapshot, CompiledRoute route, long started)
    {
        var request = _request!;
        _response ??= new ResponseHead(MaxResponseHeaders);
        var response = _response;
        var timeouts = route.Timeouts;
        _timer.SetTotal(timeouts.Total);
        var endpoint = route.Cluster.Next();
        var trusted = snapshot.IsTrusted(_clientIp);
        UpstreamConnection? upstream = null;
        long bytesIn = 0;
        long upstreamStarted = 0;
        var answeredContinue = false;
        try
        {
            var attempt = 0;
            while (true)
            {
                upstream = await endpoint.AcquireAsync(timeouts.Connect, default);
                var reused = upstream.Requests > 0;
                upstream.Requests++;
                upstreamStarted = Stopwatch.GetTimestamp();
                if (request.HasBody && request.ExpectsContinue && !answeredContinue)
                {
                    answeredContinue = true;
                }

                WriteUpstreamHead(snapshot, route, upstream, trusted, answeredContinue);
                if (request.HasBody)
                {
                    ConsumeHead();
                    if (answeredContinue)
                    {
                        _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                        await BodyCopier.FlushAsync(_output, sourceIsClient: false, default);
                    }

                    bytesIn = await BodyCopier.CopyAsync(_input, upstream.Output, request.Headers.Chunked ? BodyFraming.Chunked : BodyFraming.ContentLength,
                        request.Headers.ContentLength, chunkedOut: request.Headers.Chunked, route.MaxBodyBytes, sourceIsClient: true,
                        _timer, TimerPhase.RequestBody, timeouts.Idle);
                    _bodyForwarded = true;
                }
                else
                {
                    var flush = await upstream.Output.FlushAsync();
                    if (flush.IsCompleted)
                    {
                        if (await RetryAsync(upstream, reused, attempt++))
                        {
                            continue;
                        }

                        throw new ProxyException(ProxyErrorKind.UpstreamReset, "upstream closed the connection before the request was sent");
                    }
                }

                // Interim responses (1xx other than 101) are relayed and the final one awaited.
                var gotHead = await ReadResponseHeadAsync(upstream, response, request, timeouts.ResponseHeaders);
                if (!gotHead)
                {
                    if (!request.HasBody && await RetryAsync(upstream, reused, attempt++))
                    {
                        continue;
                    }

                    throw new ProxyException(ProxyErrorKind.UpstreamReset, "upstream closed the connection without a response");
                }

                break;
            }

            ConsumeHead();
            var upstreamMicros = ElapsedMicros(upstreamStarted);
            if (response.StatusCode == 101 && request.IsUpgrade)
            {
                WriteResponseHead(snapshot, route, upstream, response, request, chunked: false, keepAlive: false);
                AdvancePastResponseHead(upstream);
                await BodyCopier.FlushAsync(_output, sourceIsClient: false, default);
                Record(started, upstreamMicros, route, endpoint, 101, bytesIn, 0, ProxyErrorKind.None);
                var tunnelUpstream = upstream;
                upstream = null;
                await TunnelAsync(tunnelUpstream);
                return false;
            }

            var framing = response.Framing(request.IsHead);
            var client11 = request.Version == HttpVersion.Http11;
            var chunkedOut = client11 && framing is BodyFraming.Chunked or BodyFraming.UntilClose;
            var keepAlive = request.KeepAlive && (chunkedOut || framing is BodyFraming.None or BodyFraming.ContentLength)
                && !_closeRequested.IsCancellationRequested;
            WriteResponseHead(snapshot, route, upstream, response, request, chunkedOut, keepAlive);
            var upstreamReusable = response.KeepAlive && framing != BodyFraming.UntilClose && response.StatusCode != 101;
            var contentLength = response.Headers.ContentLength;
            AdvancePastResponseHead(upstream);
            long bytesOut;
            try
            {
                bytesOut = await BodyCopier.CopyAsync(upstream.Input, _output, framing, contentLength, chunkedOut, long.MaxValue,
                    sourceIsClient: false, _timer, TimerPhase.ResponseBody, timeouts.Idle);
                if (framing == BodyFraming.None)
                {
                    await BodyCopier.FlushAsync(_output, sourceIsClient: false, default);
                }
            }
            catch (OperationCanceledException) when (_timer.Fired)
            {
                throw new ProxyException(ProxyErrorKind.IdleTimeout, "response body stalled") { ResponseStarted = true };
            }

            endpoint.Release(upstream, upstreamReusable);
            upstream = null;
            Record(started, upstreamMicros, route, endpoint, response.StatusCode, bytesIn, bytesOut, ProxyErrorKind.None);
            return keepAlive;
        }
        catch (BadRequestException e)
        {
            // Bad request body (chunk framing, size): the upstream exchange is void.
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
                upstream = null;
            }

            await RejectAsync(e.Reason);
            return false;
        }
        catch (Exception e) when (e is ProxyException or OperationCanceledException or IOException or ConnectionResetException or BadResponseException)
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
                upstream = null;
            }

            var failure = Classify(e);
            GatewayMetrics.UpstreamErrors.WithLabels(ErrorNames.Of(failure.Kind)).Inc();
            Log.UpstreamFailed(_runtime.Logger, ErrorNames.Of(failure.Kind), route.Id, e.Message);
            if (failure.ResponseStarted || failure.Kind == ProxyErrorKind.ClientAborted)
            {
                Record(started, 0, route, endpoint, failure.ResponseStarted ? response.StatusCode : 499, bytesIn, 0, failure.Kind);
                return false;
            }

            var status = failure.StatusCode;
            return await AnswerAsync(started, route, status, failure.Kind, ErrorNames.Of(failure.Kind));
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> RetryAsync(UpstreamConnection upstream, bool reused, int attempt)
    {
        // A pooled connection the upstream closed while idle is the one failure safe to retry: nothing was processed.
        await upstream.DisposeAsync();
        return reused && attempt == 0;
    }

    private ProxyException Classify(Exception e)
    {
        switch (e)
        {
            case ProxyException p:
                return p;
            case BadResponseException:
                return new ProxyException(ProxyErrorKind.UpstreamProtocolError, e.Message);
            case OperationCanceledException when _timer.Fired:
                var kind = _timer.TotalExpired ? ProxyErrorKind.TotalTimeout : _timer.Phase switch
                {
                    TimerPhase.ResponseHead => ProxyErrorKind.ResponseTimeout,
                    TimerPhase.RequestBody => ProxyErrorKind.ClientAborted,
                    TimerPhase.ResponseBody => ProxyErrorKind.IdleTimeout,
                    _ => ProxyErrorKind.ResponseTimeout,
                };
                return new ProxyException(kind, "timed out in " + _timer.Phase) { ResponseStarted = _timer.Phase == TimerPhase.ResponseBody };
            default:
                return new ProxyException(ProxyErrorKind.UpstreamReset, e.Message, e);
        }
    }

    private void WriteUpstreamHead(PolicySnapshot snapshot, CompiledRoute route, UpstreamConnection upstream, bool trusted, bool answeredContinue)
    {
        var info = new ForwardingInfo
        {
            ClientAddress = _clientAddress,
            ForwardedFor = _forwardedFor,
            Scheme = _listener.Scheme,
            RequestId = RequestId,
            Trusted = trusted,
            AnsweredContinue = answeredContinue,
            UpstreamAuthority = upstream.Endpoint.NameBytes.AsSpan(upstream.Endpoint.NameBytes.AsSpan().IndexOf("//"u8) + 2),
        };
        UpstreamRequestWriter.Write(upstream.Output, _head.Span, _request!, route, _captures, snapshot, info);
    }

    private void WriteResponseHead(PolicySnapshot snapshot, CompiledRoute route, UpstreamConnection upstream, ResponseHead response,
        RequestHead request, bool chunked, bool keepAlive)
    {
        ClientResponseWriter.WriteForwarded(_output, ResponseHeadSpan(upstream), response, route.ResponseHeaders, snapshot, RequestId,
            chunked, keepAlive, request.Version);
    }

    // The response head bytes: the upstream pipe's first segment, or the copy made when the head spanned segments.
    private ReadOnlySequence<byte> _responseBuffer;
    private int _responseHeadLength;
    private bool _responseHeadCopied;

    private ReadOnlySpan<byte> ResponseHeadSpan(UpstreamConnection upstream) => _responseHeadCopied
        ? _responseHeadCopy.AsSpan(0, _responseHeadLength)
        : _responseBuffer.FirstSpan[.._responseHeadLength];

    private void AdvancePastResponseHead(UpstreamConnection upstream)
    {
        upstream.Input.AdvanceTo(_responseBuffer.GetPosition(_responseHeadLength));
        _responseBuffer = default;
    }

    /// <summary>Reads the final response head into <paramref name="response"/>; false when the upstream closed before sending a byte.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadResponseHeadAsync(UpstreamConnection upstream, ResponseHead response, RequestHead request, TimeSpan timeout)
    {
        var input = upstream.Input;
        _timer.Arm(TimerPhase.ResponseHead, timeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(_timer.Token);
            }
            catch (Exception e) when (e is IOException or ConnectionResetException)
            {
                return false;
            }

            var buffer = result.Buffer;
            int headLength;
            try
            {
                if (buffer.IsSingleSegment)
                {
                    headLength = HeadFramer.FindEnd(buffer.FirstSpan, MaxResponseStartLine, MaxResponseHead);
                    _responseHeadCopied = false;
                }
                else
                {
                    var copy = Linearize(buffer, MaxResponseHead + 1, ref _responseHeadCopy);
                    headLength = HeadFramer.FindEnd(copy, MaxResponseStartLine, MaxResponseHead);
                    _responseHeadCopied = true;
                }
            }
            catch (BadRequestException e)
            {
                throw new BadResponseException("malformed response head: " + e.Message);
            }

            if (headLength == 0)
            {
                if (result.IsCompleted)
                {
                    if (buffer.IsEmpty)
                    {
                        return false;
                    }

                    throw new ProxyException(ProxyErrorKind.UpstreamProtocolError, "upstream closed mid-head");
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            _responseBuffer = buffer;
            _responseHeadLength = headLength;
            Http11Parser.ParseResponse(ResponseHeadSpan(upstream), response, MaxResponseHeaders);
            if (response.StatusCode >= 200 || response.StatusCode == 101)
            {
                return true;
            }

            // 1xx: relay to HTTP/1.1 clients (RFC 9110 §15.2), never to 1.0 ones; then wait for the final response.
            if (request.Version == HttpVersion.Http11 && response.StatusCode != 100)
            {
                ClientResponseWriter.WriteInterim(_output, ResponseHeadSpan(upstream), response);
                await BodyCopier.FlushAsync(_output, sourceIsClient: false, default);
            }

            AdvancePastResponseHead(upstream);
        }
    }

    /// <summary>After 101 Switching Protocols both connections become one byte stream until either side closes.</summary>
    private async Task TunnelAsync(UpstreamConnection upstream)
    {
        _timer.Disarm();
        try
        {
            var up = PumpAsync(_input, upstream.Output);
            var down = PumpAsync(upstream.Input, _output);
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

    private void SetRequestId(ReadOnlySpan<byte> head, RequestHead request)
    {
        var index = request.Headers.RequestIdIndex;
        if (index >= 0)
        {
            var incoming = request.Headers.Value(head, index);
            if (RequestIds.IsValid(incoming))
            {
                incoming.CopyTo(_requestId);
                _requestIdLength = incoming.Length;
                return;
            }
        }

        _requestIdLength = RequestIds.Write(_requestId);
    }

    private async Task RejectAsync(RejectReason reason)
    {
        GatewayMetrics.BadRequests.WithLabels(reason.ToString()).Inc();
        Log.BadRequest(_runtime.Logger, _client, RejectReasons.Message(reason));
        if (_requestIdLength == 0)
        {
            _requestIdLength = RequestIds.Write(_requestId);
        }

        try
        {
            ClientResponseWriter.WriteError(_output, RejectReasons.StatusCode(reason), RejectReasons.Message(reason), RequestId, close: true, headOnly: false);
            await _output.FlushAsync();
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or InvalidOperationException)
        {
            // The client is gone; the connection closes either way.
        }
    }

    private void Record(long started, long upstreamMicros, CompiledRoute? route, UpstreamEndpoint? endpoint, int status, long bytesIn, long bytesOut, ProxyErrorKind error)
    {
        var micros = ElapsedMicros(started);
        route?.Metrics.Record(status, micros / 1_000_000.0, bytesIn, bytesOut);
        if (route is null)
        {
            NoRouteMetrics.Record(status, micros / 1_000_000.0, 0, 0);
        }

        var log = _runtime.AccessLog;
        if (log is null)
        {
            return;
        }

        var record = new AccessLogRecord
        {
            UnixMilliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Status = status,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
            DurationMicroseconds = micros,
            UpstreamMicroseconds = upstreamMicros,
            Route = route?.Id,
            Upstream = endpoint?.Name,
            Client = _client,
            Error = error,
        };
        log.TryWrite(record, _logMethod.AsSpan(0, _logMethodLength), _logPath.AsSpan(0, _logPathLength), RequestId);
    }

    /// <summary>The access log is written after the head's buffer is released, so its method and path are copied now.</summary>
    private void KeepForLog(ReadOnlySpan<byte> head, RequestHead request)
    {
        if (_runtime.AccessLog is null)
        {
            return;
        }

        var method = request.Method(head);
        _logMethodLength = Math.Min(method.Length, _logMethod.Length);
        method[.._logMethodLength].CopyTo(_logMethod);
        var path = request.Path(head);
        _logPathLength = Math.Min(path.Length, _logPath.Length);
        path[.._logPathLength].CopyTo(_logPath);
    }

    private static readonly RouteMetrics NoRouteMetrics = new("(none)");

    private static long ElapsedMicros(long since) => (long)Stopwatch.GetElapsedTime(since).TotalMicroseconds;

    private static ReadOnlySpan<byte> Linearize(in ReadOnlySequence<byte> buffer, int max, ref byte[]? scratch)
    {
        var length = (int)Math.Min(buffer.Length, max);
        if (scratch is null || scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, 4096)];
        }

        buffer.Slice(0, length).CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }
}
