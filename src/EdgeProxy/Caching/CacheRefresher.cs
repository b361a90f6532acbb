using System.Buffers;
using EdgeProxy.Config;
using EdgeProxy.Http;
using EdgeProxy.Observability;
using EdgeProxy.Routing;
using EdgeProxy.Upstreams;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Caching;

/// <summary>
/// stale-while-revalidate (RFC 5861 §3): the client already got the stale entry; this fetches the fresh response in
/// the background, on an upstream connection of its own, so no client waits for it. At most one refresh per entry
/// runs (<see cref="CacheEntry.Refreshing"/>), and it registers as the key's fetcher, so misses arriving meanwhile
/// wait for it instead of going upstream too. It copies what it needs of the request (head bytes, route captures,
/// the headers the access step dropped, forwarding facts), since the connection moves on to its next request.
/// Off the hot path: it allocates, once per refresh of a stale entry.
/// </summary>
internal sealed class CacheRefresher
{
    private readonly byte[] _head;
    private readonly int _maxHeaders;
    private readonly bool[] _dropped;
    private readonly Range[] _captures;
    private readonly CompiledRoute _route;
    private readonly PolicySnapshot _snapshot;
    private readonly CacheExchange _exchange;
    private readonly CacheEntry _stale;
    private readonly RefreshForwarding _forwarding;
    private readonly ILogger _logger;

    private CacheRefresher(ReadOnlySpan<byte> head, RequestHead request, ReadOnlySpan<Range> captures, CompiledRoute route, PolicySnapshot snapshot,
        ResponseCache cache, CacheEntry stale, RefreshForwarding forwarding, ILogger logger)
    {
        _head = head.ToArray();
        _maxHeaders = request.Headers.Entries.Length;
        _dropped = new bool[request.Headers.Count];
        for (var i = 0; i < _dropped.Length; i++)
        {
            _dropped[i] = request.Headers.Entries[i].Drop;
        }

        _captures = captures.ToArray();
        _route = route;
        _snapshot = snapshot;
        _exchange = new CacheExchange(cache);
        _stale = stale;
        _forwarding = forwarding;
        _logger = logger;
    }

    /// <summary>Starts the refresh of <paramref name="stale"/> for this request; the caller has won the entry's refresh flag.</summary>
    public static void Start(ReadOnlySpan<byte> head, RequestHead request, ReadOnlySpan<Range> captures, CompiledRoute route, PolicySnapshot snapshot,
        ResponseCache cache, CacheEntry stale, RefreshForwarding forwarding, ILogger logger)
    {
        var refresher = new CacheRefresher(head, request, captures, route, snapshot, cache, stale, forwarding, logger);
        _ = Task.Run(refresher.RunAsync);
    }

    private async Task RunAsync()
    {
        var policy = _route.Cache!;
        var request = new RequestHead(_maxHeaders);
        UpstreamEndpoint? endpoint = null;
        UpstreamConnection? upstream = null;
        var timeouts = _route.Timeouts;
        using var timer = new ExchangeTimer();
        try
        {
            Http11Parser.ParseRequest(_head, request, _maxHeaders);
            for (var i = 0; i < _dropped.Length && i < request.Headers.Count; i++)
            {
                request.Headers.Entries[i].Drop = _dropped[i];
            }

            var context = new CacheServeContext { Scheme = _forwarding.Scheme, ConsumerId = _forwarding.ConsumerId };
            if (!_exchange.BeginRefresh(_head, request, policy, context, _stale, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
            {
                return;
            }

            endpoint = _route.Cluster.Next();
            upstream = await endpoint.AcquireAsync(timeouts.Connect, default);
            var info = new ForwardingInfo
            {
                ClientAddress = _forwarding.ClientAddress,
                ForwardedFor = _forwarding.ForwardedFor,
                Scheme = _forwarding.Scheme,
                RequestId = _forwarding.RequestId,
                Trusted = _forwarding.Trusted,
                AnsweredContinue = false,
                UpstreamAuthority = upstream.Endpoint.Authority,
                ConsumerHeader = _forwarding.ConsumerHeader,
                ConsumerId = _forwarding.ConsumerHeader.Length > 0 ? _forwarding.ConsumerId : default,
                QueryCut = _forwarding.QueryCut,
                Revalidation = _stale.HasValidator ? _exchange : null,
            };
            UpstreamRequestWriter.Write(upstream.Output, _head, request, _route, _captures, _snapshot, info);
            await upstream.Output.FlushAsync();

            var response = new ResponseHead(ResponseHeadFrame.MaxHeaders);
            var frame = new ResponseHeadFrame();
            timer.Arm(TimerPhase.ResponseHead, timeouts.ResponseHeaders);
            await ReadHeadAsync(upstream, response, frame, timer);
            var responseHead = frame.Span;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (response.StatusCode == 304 && _exchange.Revalidated(responseHead, response, now) is not null)
            {
                upstream.Input.AdvanceTo(frame.End);
                endpoint.Release(upstream, response.KeepAlive);
                upstream = null;
                _exchange.Cache.Metrics.Refreshed();
                return;
            }

            var storing = _exchange.BeginStore(_head, request, responseHead, response, _route.ResponseHeaders, now);
            var framing = response.Framing(false);
            var contentLength = response.Headers.ContentLength;
            upstream.Input.AdvanceTo(frame.End);
            var sink = new CacheTeeWriter();
            sink.Start(new DiscardingPipeWriter(), _exchange, chunked: false);
            if (!BodyCopier.TryCopyBuffered(upstream.Input, sink, framing, contentLength, chunkedOut: false, out _))
            {
                await BodyCopier.CopyAsync(upstream.Input, sink, framing, contentLength, chunkedOut: false, long.MaxValue, sourceIsClient: false, timer,
                    TimerPhase.ResponseBody, timeouts.Idle);
            }

            endpoint.Release(upstream, response.KeepAlive && framing != BodyFraming.UntilClose);
            upstream = null;
            _exchange.CompleteStore(complete: storing);
            _exchange.Cache.Metrics.Refreshed();
        }
        catch (Exception e)
        {
            // The stale entry stays; the next request after the stale-while-revalidate window fetches it as a miss.
            _exchange.Cache.Metrics.RefreshFailed();
            Log.CacheRefreshFailed(_logger, e.Message);
        }
        finally
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }

            _exchange.CompleteStore(complete: false);
            _exchange.Reset();
            CacheExchange.EndRefresh(_stale);
        }
    }

    /// <summary>Reads until <paramref name="frame"/> holds a final response head, parsed into <paramref name="response"/>.</summary>
    private static async ValueTask ReadHeadAsync(UpstreamConnection upstream, ResponseHead response, ResponseHeadFrame frame, ExchangeTimer timer)
    {
        while (true)
        {
            var read = await upstream.Input.ReadAsync(timer.Token);
            if (frame.Find(read.Buffer) > 0)
            {
                Http11Parser.ParseResponse(frame.Span, response, ResponseHeadFrame.MaxHeaders);
                if (response.StatusCode >= 200)
                {
                    return;
                }

                // An interim response is nobody's business here.
                upstream.Input.AdvanceTo(frame.End);
                continue;
            }

            if (read.IsCompleted)
            {
                throw new ProxyException(ProxyErrorKind.UpstreamReset, "upstream closed before the refresh's response head");
            }

            upstream.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }
}

/// <summary>What a background refresh forwards as the original request would have been forwarded (copies).</summary>
internal sealed class RefreshForwarding
{
    public required byte[] ClientAddress { get; init; }
    public required byte[] ForwardedFor { get; init; }
    public required byte[] Scheme { get; init; }
    public required byte[] RequestId { get; init; }
    public required bool Trusted { get; init; }
    public required byte[] ConsumerHeader { get; init; }
    public required byte[] ConsumerId { get; init; }
    public required Range QueryCut { get; init; }
}
