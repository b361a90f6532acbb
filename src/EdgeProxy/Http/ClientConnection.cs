using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using EdgeProxy.Analytics;
using EdgeProxy.Caching;
using EdgeProxy.Config;
using EdgeProxy.Observability;
using EdgeProxy.Policies;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Analytics;
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
    /// <summary>Requests that matched no route still count, under route="(none)".</summary>
    private static readonly RouteMetrics NoRouteMetrics = new("(none)");

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
    private readonly byte[] _clientKey = new byte[ClientAddressKey.MaxLength];
    private readonly int _clientKeyLength;
    private readonly AccessGate _access = new();
    private readonly CacheExchange _cache;
    private readonly CacheTeeWriter _tee = new();
    private readonly Compression.CompressingBodyWriter _compressor = new();
    private readonly byte[] _logMethod = new byte[24];
    private readonly byte[] _logPath = new byte[512];
    private int _logMethodLength;
    private int _logPathLength;
    private bool _bodyForwarded;
    private CacheOutcome _cacheOutcome;
    private bool _headStarted;
    private long _bytesIn;
    private UpstreamConnection? _upstream;
    private RequestHead? _request;
    private ResponseHead? _response;
    private int _requestIdLength;

    // The request sample of an error record: the ticket of a filled slot of the capture's sample ring (0: none yet),
    // and a copy of a head that had to be consumed before the outcome was known (a request with a body).
    private int _sample;
    private byte[]? _sampleHead;
    private int _sampleHeadLength;
    private bool _sampleHeadKept;

    // The route's precompiled CORS lines for this request's origin (null: the route has no CORS), and whether it is a preflight.
    private byte[]? _corsHeaders;
    private bool _preflight;

    // The current request head: still inside the client pipe's buffer (not yet consumed) or copied to _headCopy.
    private ReadOnlySequence<byte> _pendingBuffer;
    private ReadOnlyMemory<byte> _head;
    private bool _headConsumed;
    private byte[]? _headCopy;

    // The current response head: in the upstream pipe's first segment, or copied when it spanned segments.
    private readonly ResponseHeadFrame _responseHead = new();

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
        _clientKeyLength = ClientAddressKey.Write(_clientIp, _clientKey);
        _cache = new CacheExchange(runtime.Store.Policies.Cache);
    }

    private ReadOnlySpan<byte> RequestId => _requestId.AsSpan(0, _requestIdLength);

    /// <summary>
    /// The connection's one loop. Everything a request waits for is awaited right here, on pipe and socket
    /// <see cref="ValueTask"/>s, with synchronous helpers in between: a small proxied request runs no nested async
    /// method, so the only state-machine box is this method's, allocated once per connection.
    /// </summary>
    public async Task RunAsync()
    {
        GatewayMetrics.ClientConnections.Inc();
        using var drain = _closeRequested.UnsafeRegister(static s => ((PipeReader)s!).CancelPendingRead(), _input);
        try
        {
            while (!_closeRequested.IsCancellationRequested)
            {
                var snapshot = _runtime.Store.Current;

                // 1. The request head: a keep-alive wait, then the header timeout once its first byte arrived.
                _timer.Arm(TimerPhase.KeepAlive, snapshot.Limits.KeepAliveTimeout);
                _headStarted = false;
                HeadState head;
                do
                {
                    ReadResult read;
                    try
                    {
                        read = await _input.ReadAsync(_timer.Token);
                    }
                    catch (OperationCanceledException) when (_timer.Phase == TimerPhase.KeepAlive)
                    {
                        return;
                    }

                    head = FrameRequestHead(read, snapshot);
                }
                while (head == HeadState.Incomplete);

                if (head == HeadState.Closed)
                {
                    return;
                }

                // 2. Parse, route and check what can be checked before anything goes upstream. The snapshot is read
                // again: the one above may be older than a reload that happened while the connection sat idle.
                snapshot = _runtime.Store.Current;
                var started = Stopwatch.GetTimestamp();
                var route = PrepareRequest(snapshot, out var refusal);
                bool keepAlive;
                if (refusal != ProxyErrorKind.None)
                {
                    keepAlive = WriteAnswer(started, route, refusal);
                    await _output.FlushAsync();
                }
                else if (_preflight)
                {
                    keepAlive = WritePreflight(started, route!);
                    await _output.FlushAsync();
                }
                else if (route!.Cache is { } cachePolicy && await ServeFromCacheAsync(snapshot, route, cachePolicy, started) is var served && served.Answered)
                {
                    keepAlive = served.KeepAlive;
                }
                else
                {
                    // 3. The exchange with the upstream.
                    var request = _request!;
                    var caching = route.Cache is not null && _cacheOutcome is CacheOutcome.Miss or CacheOutcome.Revalidate && !request.HasBody;
                    var response = _response ??= new ResponseHead(ResponseHeadFrame.MaxHeaders);
                    var endpoint = route!.Cluster.Next();
                    var timeouts = route.Timeouts;
                    try
                    {
                        _timer.SetTotal(timeouts.Total);
                        var trusted = snapshot.IsTrusted(_clientIp);
                        var answeredContinue = request.HasBody && request.ExpectsContinue;
                        var attempt = 0;
                        var failovers = 0;
                        long upstreamStarted;
                        while (true)
                        {
                            UpstreamConnection upstream;
                            try
                            {
                                upstream = _upstream = await endpoint.AcquireAsync(timeouts.Connect, default);
                            }
                            catch (ProxyException e) when (e.Kind is ProxyErrorKind.ConnectRefused or ProxyErrorKind.ConnectTimeout)
                            {
                                // Nothing was sent, so another endpoint can take the request; this one sits out a while.
                                endpoint.MarkFailed();
                                if (++failovers >= route.Cluster.Endpoints.Length)
                                {
                                    throw;
                                }

                                endpoint = route.Cluster.Next();
                                continue;
                            }

                            var reused = upstream.Requests++ > 0;
                            upstreamStarted = Stopwatch.GetTimestamp();
                            WriteUpstreamHead(snapshot, route, upstream, trusted, answeredContinue);
                            var sent = true;
                            if (request.HasBody)
                            {
                                KeepHeadForSample();
                                ConsumeHead();
                                if (answeredContinue)
                                {
                                    _output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                                    await _output.FlushAsync();
                                }

                                _bytesIn = await BodyCopier.CopyAsync(_input, upstream.Output,
                                    request.Headers.Chunked ? BodyFraming.Chunked : BodyFraming.ContentLength, request.Headers.ContentLength,
                                    chunkedOut: request.Headers.Chunked, route.MaxBodyBytes, sourceIsClient: true, _timer, TimerPhase.RequestBody, timeouts.Idle);
                                _bodyForwarded = true;
                            }
                            else
                            {
                                sent = !(await upstream.Output.FlushAsync()).IsCompleted;
                            }

                            // Interim responses (1xx but 101) are relayed while the final one is awaited.
                            var state = ResponseState.ClosedEmpty;
                            if (sent)
                            {
                                _timer.Arm(TimerPhase.ResponseHead, timeouts.ResponseHeaders);
                                do
                                {
                                    ReadResult read;
                                    try
                                    {
                                        read = await upstream.Input.ReadAsync(_timer.Token);
                                    }
                                    catch (Exception e) when (e is IOException or ConnectionResetException)
                                    {
                                        break;
                                    }

                                    state = FrameResponseHead(read, upstream, response, request);
                                    if (state == ResponseState.Interim)
                                    {
                                        await _output.FlushAsync();
                                    }
                                }
                                while (state is ResponseState.Incomplete or ResponseState.Interim);
                            }

                            if (state == ResponseState.Final)
                            {
                                break;
                            }

                            // A pooled connection the upstream closed while idle is the one failure safe to retry: nothing was processed.
                            await DisposeUpstreamAsync();
                            if (!request.HasBody && reused && attempt++ == 0)
                            {
                                continue;
                            }

                            throw new ProxyException(ProxyErrorKind.UpstreamReset, sent
                                ? "upstream closed the connection without a response"
                                : "upstream closed the connection before the request was sent");
                        }

                        // Our conditional request came back 304: the stored entry is fresh again and answers the client.
                        if (_cacheOutcome == CacheOutcome.Revalidate && response.StatusCode == 304
                            && _cache.TryServeRevalidated(_output, _head.Span, request, _responseHead.Span, response,
                                CacheContext(snapshot, route, request.KeepAlive && !_closeRequested.IsCancellationRequested),
                                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) is var revalidatedStatus and > 0)
                        {
                            var revalidating = _upstream!;
                            var revalidateMicros = ElapsedMicros(upstreamStarted);
                            AdvancePastResponseHead(revalidating);
                            _upstream = null;
                            endpoint.Release(revalidating, response.KeepAlive);
                            ConsumeHead();
                            keepAlive = request.KeepAlive && !_closeRequested.IsCancellationRequested && !(await _output.FlushAsync()).IsCompleted;
                            Record(started, revalidateMicros, route, endpoint, revalidatedStatus, 0, 0, ProxyErrorKind.None);
                            goto exchangeDone;
                        }

                        // The key takes the request's Vary'd values, so the fill begins while the request head is still here.
                        var storing = caching && response.StatusCode != 101
                            && _cache.BeginStore(_head.Span, request, _responseHead.Span, response, route.ResponseHeaders, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                        var compression = route.Compression is { } compressionPolicy && response.StatusCode != 101 && !request.HasBody
                            ? compressionPolicy.Decide(_head.Span, request, _responseHead.Span, response)
                            : default;
                        if (response.StatusCode >= 500)
                        {
                            // An error record to come: sample the request while its head is still here.
                            TakeSample();
                        }

                        ConsumeHead();
                        var current = _upstream!;
                        var upstreamMicros = ElapsedMicros(upstreamStarted);
                        if (response.StatusCode == 101 && request.IsUpgrade)
                        {
                            WriteResponseHead(snapshot, route, response, request, chunked: false, keepAlive: false);
                            AdvancePastResponseHead(current);
                            await _output.FlushAsync();
                            Record(started, upstreamMicros, route, endpoint, 101, _bytesIn, 0, ProxyErrorKind.None);
                            _upstream = null;
                            _timer.Disarm();
                            await ProtocolTunnel.RunAsync(_input, _output, current);
                            return;
                        }

                        var framing = response.Framing(request.IsHead);
                        var compressing = compression.Compress && framing != BodyFraming.None;

                        // A compressed body's length is known only at its end: chunked to HTTP/1.1 clients, until close to 1.0 ones.
                        var chunkedOut = request.Version == HttpVersion.Http11 && (compressing || framing is BodyFraming.Chunked or BodyFraming.UntilClose);
                        keepAlive = request.KeepAlive && (chunkedOut || (!compressing && framing is BodyFraming.None or BodyFraming.ContentLength))
                            && !_closeRequested.IsCancellationRequested;
                        if (framing == BodyFraming.ContentLength && !compressing)
                        {
                            ClientResponseWriter.ReserveHeadAndBody(_output, _responseHead.Length, response.Headers.ContentLength);
                        }

                        ClientResponseWriter.WriteForwarded(_output, _responseHead.Span, response, route.ResponseHeaders, snapshot, RequestId, chunkedOut, keepAlive,
                            request.Version, _access.ResponseHeaders, route.Cache is null ? null : caching ? CacheStatusKind.Miss : CacheStatusKind.Bypass, storing,
                            compressing ? compression : compression with { Codec = Compression.ContentCodec.None }, _corsHeaders);
                        var reusable = response.KeepAlive && framing != BodyFraming.UntilClose;
                        var contentLength = response.Headers.ContentLength;
                        AdvancePastResponseHead(current);

                        // The body goes copier -> [tee into the cache: the identity bytes] -> [compressor] -> client; the last
                        // writer in that chain does the chunk framing.
                        PipeWriter bodyOutput = _output;
                        if (compressing)
                        {
                            _compressor.Start(_output, compression.Codec, chunked: chunkedOut);
                            bodyOutput = _compressor;
                        }

                        if (storing)
                        {
                            _tee.Start(bodyOutput, _cache, chunked: chunkedOut && !compressing);
                            bodyOutput = _tee;
                        }

                        var copyChunked = chunkedOut && !storing && !compressing;
                        if (!BodyCopier.TryCopyBuffered(current.Input, bodyOutput, framing, contentLength, copyChunked, out var bytesOut))
                        {
                            bytesOut = await BodyCopier.CopyAsync(current.Input, bodyOutput, framing, contentLength, copyChunked, long.MaxValue,
                                sourceIsClient: false, _timer, TimerPhase.ResponseBody, timeouts.Idle);
                        }

                        if (compressing)
                        {
                            _compressor.Finish();
                        }
                        else if (storing && chunkedOut)
                        {
                            BodyCopier.WriteLastChunk(_output);
                        }

                        if ((await _output.FlushAsync()).IsCompleted)
                        {
                            throw new ProxyException(ProxyErrorKind.ClientAborted, "client closed while receiving the response") { ResponseStarted = true };
                        }

                        _upstream = null;
                        endpoint.Release(current, reusable);
                        if (storing)
                        {
                            _cache.CompleteStore(complete: true);
                        }

                        Record(started, upstreamMicros, route, endpoint, response.StatusCode, _bytesIn, bytesOut, ProxyErrorKind.None);
                    }
                    catch (Exception e) when (e is ProxyException or OperationCanceledException or IOException or ConnectionResetException or BadResponseException)
                    {
                        keepAlive = await FailExchangeAsync(e, route, endpoint, started);
                    }

                exchangeDone:;
                }

                ConsumeHead();
                _timer.Disarm();
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        catch (BadRequestException e)
        {
            await DisposeUpstreamAsync();
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
            await DisposeUpstreamAsync();
            ReleaseSample();
            _cache.CompleteStore(complete: false);
            _cache.Reset();
            _compressor.Abort();
            _access.Clear();
            _timer.Dispose();
            GatewayMetrics.ClientConnections.Dec();
        }
    }

    private enum HeadState : byte
    {
        Incomplete,
        Complete,
        Closed,
    }

    private enum ResponseState : byte
    {
        Incomplete,
        Final,
        Interim,

        /// <summary>The upstream closed (or reset) before sending a byte.</summary>
        ClosedEmpty,
    }

    /// <summary>Looks for a complete request head in what has arrived; consumes nothing until the request is done.</summary>
    private HeadState FrameRequestHead(in ReadResult read, PolicySnapshot snapshot)
    {
        var buffer = read.Buffer;
        if (read.IsCanceled && !_headStarted && buffer.IsEmpty)
        {
            // Drain began while the connection was idle.
            return HeadState.Closed;
        }

        // RFC 9112 §2.2: ignore empty lines before a request-line.
        if (!_headStarted)
        {
            var skip = 0L;
            var reader = new SequenceReader<byte>(buffer);
            while (reader.IsNext("\r\n"u8, advancePast: true))
            {
                skip += 2;
            }

            if (skip > 0)
            {
                buffer = buffer.Slice(skip);
                if (buffer.IsEmpty)
                {
                    _input.AdvanceTo(buffer.Start);
                    return read.IsCompleted ? HeadState.Closed : HeadState.Incomplete;
                }
            }

            if (!buffer.IsEmpty)
            {
                _headStarted = true;
                _timer.Arm(TimerPhase.RequestHead, snapshot.Limits.HeaderTimeout);
            }
        }

        var limits = snapshot.Limits;
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
            var copy = HeadFramer.Linearize(buffer, snapshot.MaxHeadBytes + 1, ref _headCopy);
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
            return HeadState.Complete;
        }

        if (read.IsCompleted)
        {
            if (!_headStarted)
            {
                return HeadState.Closed;
            }

            BadRequestException.Throw(RejectReason.UnexpectedEndOfRequest);
        }

        _input.AdvanceTo(buffer.Start, buffer.End);
        return HeadState.Incomplete;
    }

    /// <summary>
    /// Parses the head, settles the request id, routes. Returns the matched route and, in <paramref name="refusal"/>,
    /// why the gateway answers itself instead (none: forward). Malformed input throws <see cref="BadRequestException"/>.
    /// </summary>
    private CompiledRoute? PrepareRequest(PolicySnapshot snapshot, out ProxyErrorKind refusal)
    {
        var maxHeaders = snapshot.Limits.MaxHeaderCount;
        if (_request is null || _request.Headers.Entries.Length < maxHeaders)
        {
            _request = new RequestHead(maxHeaders);
        }

        var request = _request;
        ReleaseSample();
        _sampleHeadKept = false;
        _bodyForwarded = false;
        _cacheOutcome = CacheOutcome.Bypass;
        _bytesIn = 0;
        _logMethodLength = 0;
        _logPathLength = 0;
        _requestIdLength = 0;
        _corsHeaders = null;
        _preflight = false;
        var head = _head.Span;
        Http11Parser.ParseRequest(head, request, maxHeaders);
        SetRequestId(head, request);
        KeepForLog(head, request);
        var route = snapshot.Routes.Match(head, request, _captures);
        var access = snapshot.Access;

        // Only the gateway names the consumer: a client's own copy of the header never reaches the upstream.
        if (access.ConsumerHeader is { } consumerHeader)
        {
            request.Headers.DropAll(head, consumerHeader);
        }

        if (route is null)
        {
            _access.Reset();
            refusal = ProxyErrorKind.NoRoute;
            return null;
        }

        // CORS comes before every other step: a preflight carries no key and is answered here, and the gateway's own
        // refusals below (401, 403, 429, 410) carry the allow lines too, so a browser lets the page read why.
        if (route.Cors is { } cors)
        {
            if (request.IsCorsPreflight)
            {
                _access.Reset();

                // A preflight carries no key, so it cannot prove a tester: a draft stays as absent to it as to the
                // request it announces (404, no allow lines), instead of telling the world the route exists.
                if (route.IsDraft)
                {
                    refusal = ProxyErrorKind.NoRoute;
                    return null;
                }

                _corsHeaders = cors.PreflightHeaders(head, request.Headers);
                _preflight = true;
                refusal = ProxyErrorKind.None;
                return route;
            }

            _corsHeaders = cors.ResponseHeaders(head, request.Headers);
        }

        // A retired version answers for itself whoever asks; a draft nobody could prove to be a tester for is absent.
        if (route.IsRetired || (route.IsDraft && !route.RequiresApiKey))
        {
            _access.Reset();
            refusal = route.IsRetired ? ProxyErrorKind.Gone : ProxyErrorKind.NoRoute;
            return route.IsRetired ? route : null;
        }

        refusal = ProxyErrorKind.None;
        if (route.HasAccessPolicy)
        {
            refusal = _access.Check(access, route, request, head, _clientKey.AsSpan(0, _clientKeyLength)) switch
            {
                AccessDecision.Allow => ProxyErrorKind.None,
                AccessDecision.Unauthorized => ProxyErrorKind.Unauthorized,
                AccessDecision.Forbidden or AccessDecision.ApiNotGranted => ProxyErrorKind.Forbidden,
                AccessDecision.RateLimited => ProxyErrorKind.RateLimited,
                AccessDecision.Hidden => ProxyErrorKind.NoRoute,
                _ => ProxyErrorKind.QuotaExceeded,
            };

            if (refusal == ProxyErrorKind.NoRoute)
            {
                // A hidden draft is answered like a request no route matched.
                return null;
            }
        }
        else
        {
            _access.Reset();
        }

        if (refusal == ProxyErrorKind.None && request.Headers.ContentLength > route.MaxBodyBytes)
        {
            refusal = ProxyErrorKind.BodyTooLarge;
        }

        return route;
    }

    /// <summary>Writes the gateway's own JSON answer; returns whether the connection can stay open.</summary>
    private bool WriteAnswer(long started, CompiledRoute? route, ProxyErrorKind kind, UpstreamEndpoint? endpoint = null)
    {
        var request = _request!;

        // A body we did not read would be taken for the next request, so the connection closes unless there was none.
        var keepAlive = request.KeepAlive && (!request.HasBody || _bodyForwarded) && !_closeRequested.IsCancellationRequested;
        if (kind == ProxyErrorKind.Gone && route?.Lifecycle is { } lifecycle)
        {
            ClientResponseWriter.WriteJson(_output, 410, lifecycle.GoneBody, RequestId, close: !keepAlive, headOnly: request.IsHead, lifecycle.GoneHeaders, _corsHeaders);
            Record(started, 0, route, null, 410, 0, 0, kind);
            return keepAlive;
        }

        var (status, message) = kind switch
        {
            ProxyErrorKind.NoRoute => (404, "no route matches the request"),
            ProxyErrorKind.BodyTooLarge => (413, "request body too large"),
            // A refusal with a valid key is the consumer's grants leaving out the route's API.
            ProxyErrorKind.Forbidden when _access.KeyOutcome == ApiKeyOutcome.Ok => (403, "this consumer may not call this API"),
            ProxyErrorKind.Unauthorized or ProxyErrorKind.Forbidden => (ProxyException.StatusCodeOf(kind), ApiKeyOutcomes.Message(_access.KeyOutcome)),
            ProxyErrorKind.RateLimited => (429, "rate limit exceeded"),
            ProxyErrorKind.QuotaExceeded => (429, "quota exceeded"),
            _ => (ProxyException.StatusCodeOf(kind), ErrorNames.Of(kind)),
        };

        // No route (or a hidden draft): no policy to answer CORS with.
        ClientResponseWriter.WriteError(_output, status, message, RequestId, close: !keepAlive, headOnly: request.IsHead, _access.ResponseHeaders,
            route is null ? default : _corsHeaders);
        Record(started, 0, route, endpoint, status, 0, 0, kind);
        return keepAlive;
    }

    /// <summary>Answers a CORS preflight with 204 and the route's lines for it; returns whether the connection can stay open.</summary>
    private bool WritePreflight(long started, CompiledRoute route)
    {
        var request = _request!;
        var keepAlive = request.KeepAlive && !request.HasBody && !_closeRequested.IsCancellationRequested;
        ClientResponseWriter.WritePreflight(_output, _corsHeaders, RequestId, close: !keepAlive);
        Record(started, 0, route, null, 204, 0, 0, ProxyErrorKind.None);
        return keepAlive;
    }

    /// <summary>An exchange failed: answer 502/504 if nothing was sent yet, otherwise close.</summary>
    private async ValueTask<bool> FailExchangeAsync(Exception e, CompiledRoute route, UpstreamEndpoint endpoint, long started)
    {
        await DisposeUpstreamAsync();
        _cache.CompleteStore(complete: false);
        _compressor.Abort();
        var failure = Classify(e);
        GatewayMetrics.UpstreamErrors.WithLabels(ErrorNames.Of(failure.Kind)).Inc();
        Log.UpstreamFailed(_runtime.Logger, ErrorNames.Of(failure.Kind), route.Id, e.Message);
        if (failure.ResponseStarted || failure.Kind == ProxyErrorKind.ClientAborted)
        {
            Record(started, 0, route, endpoint, failure.ResponseStarted ? _response!.StatusCode : 499, _bytesIn, 0, failure.Kind);
            return false;
        }

        // stale-if-error (RFC 5861): an entry within its window answers instead of the 502/504.
        var request = _request!;
        var staleKeepAlive = request.KeepAlive && !request.HasBody && !_closeRequested.IsCancellationRequested;
        if (route.Cache is not null && _cache.StaleEntry is not null
            && _cache.TryServeStaleOnError(_output, CacheContext(_runtime.Store.Current, route, staleKeepAlive), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
        {
            Record(started, 0, route, endpoint, 200, _bytesIn, 0, failure.Kind);
            await _output.FlushAsync();
            return staleKeepAlive;
        }

        var keepAlive = WriteAnswer(started, route, failure.Kind, endpoint);
        await _output.FlushAsync();
        return keepAlive;
    }

    /// <summary>
    /// The cache step of a route with a <c>cache</c> table: a fresh entry (or a 304 for the client's validators, or a
    /// stale one within stale-while-revalidate) answers the request here. Concurrent misses for one key wait for the
    /// first one's response (coalescing). Otherwise <see cref="_cacheOutcome"/> says whether the exchange stores.
    /// </summary>
    private async ValueTask<(bool Answered, bool KeepAlive)> ServeFromCacheAsync(PolicySnapshot snapshot, CompiledRoute route, RouteCachePolicy policy, long started)
    {
        var request = _request!;
        var keepAlive = request.KeepAlive && !request.HasBody && !_closeRequested.IsCancellationRequested;
        _cacheOutcome = _cache.TryServe(_output, _head.Span, request, policy, CacheContext(snapshot, route, keepAlive), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            route.Compression);
        if (_cacheOutcome == CacheOutcome.Wait)
        {
            _timer.Arm(TimerPhase.ResponseHead, route.Timeouts.ResponseHeaders);
            await _cache.WaitAsync(_timer.Token);
            _cacheOutcome = _cache.TryServe(_output, _head.Span, request, policy, CacheContext(snapshot, route, keepAlive), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                route.Compression);
        }

        if (_cacheOutcome == CacheOutcome.NotCached)
        {
            ClientResponseWriter.WriteError(_output, 504, "not in the cache (the request said only-if-cached)", RequestId, close: !keepAlive,
                headOnly: request.IsHead, _access.ResponseHeaders);
            Record(started, 0, route, null, 504, 0, 0, ProxyErrorKind.None);
            return (true, !(await _output.FlushAsync()).IsCompleted && keepAlive);
        }

        if (_cacheOutcome is not (CacheOutcome.Hit or CacheOutcome.NotModified or CacheOutcome.Stale or CacheOutcome.StaleRefresh))
        {
            return (false, false);
        }

        if (_cacheOutcome == CacheOutcome.StaleRefresh && _cache.StaleEntry is { } stale)
        {
            // This request won the entry's refresh: the fresh response is fetched in the background; the client is done.
            CacheRefresher.Start(_head.Span, request, _captures, route, snapshot, _cache.Cache, stale, new RefreshForwarding
            {
                ClientAddress = _clientAddress,
                ForwardedFor = _forwardedFor,
                Scheme = _listener.Scheme.ToArray(),
                RequestId = RequestId.ToArray(),
                Trusted = snapshot.IsTrusted(_clientIp),
                ConsumerHeader = snapshot.Access.ConsumerHeader ?? [],
                ConsumerId = _access.Consumer is { } consumer ? consumer.IdUtf8.ToArray() : [],
                QueryCut = _access.QueryCut,
            }, _runtime.Logger);
        }

        Record(started, 0, route, null, _cacheOutcome == CacheOutcome.NotModified ? 304 : 200, 0, 0, ProxyErrorKind.None);
        if ((await _output.FlushAsync()).IsCompleted)
        {
            return (true, false);
        }

        return (true, keepAlive);
    }

    private CacheServeContext CacheContext(PolicySnapshot snapshot, CompiledRoute route, bool keepAlive) => new()
    {
        RequestId = RequestId,
        Via = _request!.Version == HttpVersion.Http10 ? snapshot.Via10 : snapshot.Via11,
        CacheName = snapshot.CacheName,
        KeepAlive = keepAlive,
        ClientVersion = _request.Version,
        Transform = route.ResponseHeaders,
        Scheme = _listener.Scheme,
        ConsumerId = _access.Consumer is { } consumer ? consumer.IdUtf8 : default,
        Cors = _corsHeaders,
    };

    private async ValueTask DisposeUpstreamAsync()
    {
        if (_upstream is { } upstream)
        {
            _upstream = null;
            await upstream.DisposeAsync();
        }
    }

    /// <summary>Frames and parses the upstream's response head in what has arrived; relays interim (1xx) responses.</summary>
    private ResponseState FrameResponseHead(in ReadResult read, UpstreamConnection upstream, ResponseHead response, RequestHead request)
    {
        var buffer = read.Buffer;
        int headLength;
        try
        {
            headLength = _responseHead.Find(buffer);
        }
        catch (BadRequestException e)
        {
            throw new BadResponseException("malformed response head: " + e.Message);
        }

        if (headLength == 0)
        {
            if (read.IsCompleted)
            {
                if (buffer.IsEmpty)
                {
                    return ResponseState.ClosedEmpty;
                }

                throw new ProxyException(ProxyErrorKind.UpstreamProtocolError, "upstream closed mid-head");
            }

            upstream.Input.AdvanceTo(buffer.Start, buffer.End);
            return ResponseState.Incomplete;
        }

        Http11Parser.ParseResponse(_responseHead.Span, response, ResponseHeadFrame.MaxHeaders);
        if (response.StatusCode >= 200 || response.StatusCode == 101)
        {
            return ResponseState.Final;
        }

        // RFC 9110 §15.2: 1xx go to HTTP/1.1 clients, never to 1.0 ones; our own 100 Continue was already sent.
        if (request.Version == HttpVersion.Http11 && response.StatusCode != 100)
        {
            ClientResponseWriter.WriteInterim(_output, _responseHead.Span, response);
        }

        AdvancePastResponseHead(upstream);
        return ResponseState.Interim;
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
            UpstreamAuthority = upstream.Endpoint.Authority,
            ConsumerHeader = snapshot.Access.ConsumerHeader,
            ConsumerId = _access.Consumer is { } consumer && snapshot.Access.ConsumerHeader is not null ? consumer.IdUtf8 : default,
            QueryCut = _access.QueryCut,
            Revalidation = _cacheOutcome == CacheOutcome.Revalidate && route.Cache is not null ? _cache : null,
        };
        UpstreamRequestWriter.Write(upstream.Output, _head.Span, _request!, route, _captures, snapshot, info);
    }

    private void WriteResponseHead(PolicySnapshot snapshot, CompiledRoute route, ResponseHead response, RequestHead request, bool chunked, bool keepAlive) =>
        ClientResponseWriter.WriteForwarded(_output, _responseHead.Span, response, route.ResponseHeaders, snapshot, RequestId, chunked, keepAlive, request.Version,
            _access.ResponseHeaders, corsHeaders: _corsHeaders);

    private void AdvancePastResponseHead(UpstreamConnection upstream)
    {
        upstream.Input.AdvanceTo(_responseHead.End);
        _responseHead.Clear();
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
        var analytics = _runtime.Analytics;
        if (log is null && analytics is null)
        {
            return;
        }

        // One capture of the exchange, handed to every sink.
        var record = new ExchangeRecord
        {
            UnixMicroseconds = ExchangeRecord.NowUnixMicroseconds(),
            Status = status,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
            DurationMicroseconds = micros,
            UpstreamMicroseconds = upstreamMicros,
            Route = route,
            Upstream = endpoint,
            Consumer = _access.Consumer,
            Client = _client,
            ClientAddress = _clientIp,
            Error = error,
            DeniedBy = _access.DeniedBy,
            Cache = route?.Cache is null ? AnalyticsCacheStatus.None : CacheStatusOf(_cacheOutcome, error, status),
        };
        var method = _logMethod.AsSpan(0, _logMethodLength);
        log?.TryWrite(record, method, _logPath.AsSpan(0, _logPathLength), RequestId);
        if (analytics is not null)
        {
            if (AnalyticsCapture.IsError(status, error))
            {
                TakeSample();
            }

            // The record owns the sample from here (it frees the slot when it is not kept).
            analytics.TryCapture(record, method, RequestId, _sample);
            _sample = 0;
        }
    }

    /// <summary>
    /// Writes the request sample of an error record (target and headers, secrets redacted: <see cref="RequestScrub"/>)
    /// into a slot of the capture's sample ring, once per request, while the head is at hand: still in the pipe, or
    /// kept by <see cref="KeepHeadForSample"/>. No slot free or the per-second cap reached: no sample, counted there.
    /// </summary>
    private void TakeSample()
    {
        var analytics = _runtime.Analytics;
        var request = _request;
        if (analytics is null || _sample != 0 || request is null)
        {
            return;
        }

        ReadOnlySpan<byte> head;
        if (!_headConsumed)
        {
            head = _head.Span;
        }
        else if (_sampleHeadKept)
        {
            head = _sampleHead.AsSpan(0, _sampleHeadLength);
        }
        else
        {
            return; // failed after its response began: the head is gone
        }

        var ticket = analytics.Samples.TryClaim(out var slot);
        if (ticket == 0)
        {
            return;
        }

        var access = _runtime.Store.Current.Access;
        var keyParameter = access.KeyQueryParameter is { } nameEquals ? nameEquals.AsSpan(0, nameEquals.Length - 1) : default;
        var writer = new AnalyticsSampleWriter(slot, request.Target(head), keyParameter);
        var headers = request.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            // Dropped headers too (the API key's is dropped before forwarding): the reader sees what the client sent.
            writer.AddHeader(headers.Name(head, i), headers.Value(head, i), access.KeyHeader);
        }

        analytics.Samples.Commit(ticket, writer.Finish());
        _sample = ticket;
    }

    /// <summary>A request with a body consumes its head before the upstream answers: keep a copy for a possible sample.</summary>
    private void KeepHeadForSample()
    {
        if (_runtime.Analytics is not { Samples.Enabled: true } || _headConsumed)
        {
            return;
        }

        var head = _head.Span;
        if (_sampleHead is null || _sampleHead.Length < head.Length)
        {
            _sampleHead = new byte[Math.Max(head.Length, 4096)];
        }

        head.CopyTo(_sampleHead);
        _sampleHeadLength = head.Length;
        _sampleHeadKept = true;
    }

    /// <summary>Frees a sample no record took (the connection failed between taking it and recording).</summary>
    private void ReleaseSample()
    {
        if (_sample != 0)
        {
            _runtime.Analytics?.ReleaseSample(_sample);
            _sample = 0;
        }
    }

    private static AnalyticsCacheStatus CacheStatusOf(CacheOutcome outcome, ProxyErrorKind error, int status) => outcome switch
    {
        _ when error != ProxyErrorKind.None => status == 200 ? AnalyticsCacheStatus.Stale : AnalyticsCacheStatus.None, // 200 despite an error: stale-if-error
        CacheOutcome.Hit => AnalyticsCacheStatus.Hit,
        CacheOutcome.NotModified => AnalyticsCacheStatus.NotModified,
        CacheOutcome.Stale or CacheOutcome.StaleRefresh => AnalyticsCacheStatus.Stale,
        CacheOutcome.Miss => AnalyticsCacheStatus.Miss,
        CacheOutcome.Revalidate => AnalyticsCacheStatus.Revalidated,
        _ => AnalyticsCacheStatus.Bypass,
    };

    /// <summary>The access log is written after the head's buffer is released, so its method and path are copied now.</summary>
    private void KeepForLog(ReadOnlySpan<byte> head, RequestHead request)
    {
        if (_runtime.AccessLog is null && _runtime.Analytics is null)
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

    private static long ElapsedMicros(long since) => (long)Stopwatch.GetElapsedTime(since).TotalMicroseconds;
}
