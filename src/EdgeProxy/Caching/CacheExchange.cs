using System.IO.Pipelines;
using EdgeProxy.Http;
using EdgeProxy.Routing;

namespace EdgeProxy.Caching;

/// <summary>
/// The cache's side of one client connection, reused request after request (no per-request allocation on a hit):
/// look up and answer (<see cref="TryServe"/>), or register as the fetcher and tee the upstream response into the
/// store (<see cref="BeginStore"/>, <see cref="AppendBody"/>, <see cref="CompleteStore"/>), wait for another
/// request's fetch (<see cref="WaitAsync"/>), and stand in with a stale entry when the upstream fails.
/// </summary>
internal sealed class CacheExchange(ResponseCache cache)
{
    private readonly CacheKeyBuilder _key = new();
    private RouteCachePolicy? _policy;
    private Compression.CompressionPolicy? _compression;
    private CacheEntry? _stale;
    private CacheFill? _fill;
    private CacheFill? _awaited;
    private CacheEntry? _refreshOf;
    private bool _filler;
    private bool _waited;
    private bool _isHead;
    private RequestCacheMode _mode;
    private CacheDirectives _requestDirectives;
    private long _requestTimeMs;

    public ResponseCache Cache { get; } = cache;

    public CacheKeyBuilder Key => _key;

    /// <summary>The stale entry a revalidation or an upstream failure may fall back on.</summary>
    public CacheEntry? StaleEntry => _stale;

    /// <summary>True between a Miss/Revalidate and <see cref="CompleteStore"/> while the response is being stored.</summary>
    public bool IsStoring => _fill is { IsStoring: true };

    /// <summary>Forget the previous request. Called by <see cref="TryServe"/>; call it yourself when a request skips the cache.</summary>
    public void Reset()
    {
        if (_filler)
        {
            // A request that registered a fill and never completed it must not leave waiters hanging.
            _fill?.Abandon();
        }

        FinishRefresh();
        _policy = null;
        _stale = null;
        _fill = null;
        _awaited = null;
        _filler = false;
        _waited = false;
    }

    /// <summary>
    /// Looks the request up and, when a usable entry exists, writes the whole answer (200/304, head and body) to
    /// <paramref name="output"/> without allocating; the caller flushes. A second call after <see cref="CacheOutcome.Wait"/>
    /// never waits again: it reads the entry the other fetch stored, or becomes a miss that may not store.
    /// </summary>
    /// <param name="compression">The route's compression policy, if any: clients that accept a coding get the entry's encoded copy (made once, on first demand).</param>
    public CacheOutcome TryServe(PipeWriter output, ReadOnlySpan<byte> head, RequestHead request, RouteCachePolicy policy, scoped in CacheServeContext context, long nowMs,
        Compression.CompressionPolicy? compression = null)
    {
        var retry = _awaited is not null;
        if (!retry)
        {
            Reset();
        }

        _awaited = null;
        _policy = policy;
        _compression = compression;
        _requestTimeMs = nowMs;
        var facts = RequestCacheFacts.Of(head, request);
        _isHead = facts.IsHead;
        _requestDirectives = facts.Directives;
        _mode = CacheRules.ForRequest(facts, policy);
        if (_mode == RequestCacheMode.Bypass)
        {
            Cache.Metrics.Bypass();
            return CacheOutcome.Bypass;
        }

        _key.Build(head, request, policy, context.Scheme, context.ConsumerId);
        if (_mode == RequestCacheMode.Lookup && Find(head, request) is { } entry)
        {
            var decision = CacheRules.ForStored(entry.Freshness, facts.Directives, policy.AllowClientBypass, nowMs);
            switch (decision)
            {
                case ServeDecision.Fresh:
                    return Answer(output, head, request, entry, facts, CacheStatusKind.Hit, context, nowMs) ? CacheOutcome.NotModified : CacheOutcome.Hit;
                case ServeDecision.StaleWhileRevalidate:
                    Answer(output, head, request, entry, facts, CacheStatusKind.Stale, context, nowMs);
                    _stale = entry;
                    return Interlocked.CompareExchange(ref entry.Refreshing, 1, 0) == 0 ? CacheOutcome.StaleRefresh : CacheOutcome.Stale;
                default:
                    _stale = entry;
                    break;
            }
        }

        Cache.Metrics.Miss();
        if (facts.Directives.OnlyIfCached)
        {
            return CacheOutcome.NotCached;
        }

        if (_isHead)
        {
            // A HEAD response has no body to store: it must not make concurrent GETs wait for it.
            return CacheOutcome.Bypass;
        }

        // Coalesce on the variant's key when a Vary marker told us the variant; otherwise on the base key.
        if (Cache.TryBeginFill(_key.Key, out var fill))
        {
            _fill = fill;
            _filler = true;
            return _stale is { HasValidator: true } ? CacheOutcome.Revalidate : CacheOutcome.Miss;
        }

        // Someone else is fetching it. A client that asked for an end-to-end answer does not wait for theirs.
        if (retry || _waited || _mode == RequestCacheMode.Refresh)
        {
            return CacheOutcome.Bypass;
        }

        _awaited = fill;
        return CacheOutcome.Wait;
    }

    /// <summary>After <see cref="CacheOutcome.Wait"/>: waits (bounded by <c>[cache] coalesce_timeout</c>) for the other fetch; then call TryServe again.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        var fill = _awaited ?? throw new InvalidOperationException("nothing to wait for");
        _waited = true;
        Cache.Metrics.CoalescedWait();
        return fill.WaitAsync(Cache.Settings.CoalesceTimeout, cancellationToken);
    }

    /// <summary>
    /// For the background refresh a <see cref="CacheOutcome.StaleRefresh"/> asked for, on an exchange of its own (the
    /// refresher owns a copy of the request head): registers as the fetcher of the request's key, with the stale entry's
    /// validators for <see cref="WriteConditionalHeaders"/>. Then BeginStore / AppendBody / CompleteStore as on a miss,
    /// or <see cref="Revalidated"/> on a 304; <see cref="Reset"/> (or the next request) lets the next refresh start.
    /// False: a fetch of this key is already in flight, nothing to do.
    /// </summary>
    public bool BeginRefresh(ReadOnlySpan<byte> head, RequestHead request, RouteCachePolicy policy, scoped in CacheServeContext context, CacheEntry stale, long nowMs)
    {
        Reset();
        _refreshOf = stale;
        _policy = policy;
        _requestTimeMs = nowMs;
        _mode = RequestCacheMode.Refresh;
        _stale = stale;
        _key.Build(head, request, policy, context.Scheme, context.ConsumerId);
        Find(head, request);
        if (!Cache.TryBeginFill(_key.Key, out var fill))
        {
            return false;
        }

        _fill = fill;
        _filler = true;
        return true;
    }

    /// <summary>For <see cref="CacheOutcome.Revalidate"/>: appends <c>If-None-Match</c> / <c>If-Modified-Since</c> to the upstream request head.</summary>
    public void WriteConditionalHeaders(ref HeadWriter w)
    {
        if (_stale is not { } entry)
        {
            return;
        }

        if (entry.ETag.Length > 0)
        {
            w.WriteHeader("If-None-Match"u8, entry.ETag);
        }

        if (entry.LastModified.Length > 0)
        {
            w.WriteHeader("If-Modified-Since"u8, entry.LastModified);
        }
    }

    /// <summary>
    /// The upstream's response head arrived on a Miss/Revalidate. Returns whether it is being stored (then tee the body
    /// with <see cref="AppendBody"/>). Call before the request head's buffer is released: the key takes the request's Vary'd values.
    /// A 304 to a revalidation is handled by <see cref="TryServeRevalidated"/> instead.
    /// </summary>
    public bool BeginStore(ReadOnlySpan<byte> requestHead, RequestHead request, ReadOnlySpan<byte> responseHead, ResponseHead response, HeaderTransform transform, long nowMs)
    {
        if (_fill is not { } fill || !_filler)
        {
            return false;
        }

        var facts = RequestCacheFacts.Of(requestHead, request);
        var reason = fill.Begin(requestHead, request, facts, _key, _policy!, responseHead, response, transform, _requestTimeMs, nowMs);
        if (reason != NotStoredReason.None)
        {
            LastNotStored = reason;
            fill.Abandon();
            _filler = false;
            return false;
        }

        LastNotStored = NotStoredReason.None;
        return true;
    }

    /// <summary>Why the last response offered to <see cref="BeginStore"/> was not stored (None when it is being stored).</summary>
    public NotStoredReason LastNotStored { get; private set; }

    /// <summary>Tees decoded body bytes; false once the entry was abandoned (too large), after which the caller may stop teeing.</summary>
    public bool AppendBody(ReadOnlySpan<byte> data) => _fill is { IsStoring: true } fill && fill.Append(data);

    /// <summary>The body ended (<paramref name="complete"/>) or the exchange failed: commit or abandon, and wake the waiters.</summary>
    public CacheEntry? CompleteStore(bool complete)
    {
        if (_fill is not { } fill || !_filler)
        {
            return null;
        }

        _filler = false;
        _fill = null;
        FinishRefresh();
        if (complete)
        {
            return fill.Commit();
        }

        fill.Abandon();
        return null;
    }

    /// <summary>
    /// The upstream answered our conditional request with 304: the stored entry is fresh again. Re-stores it with the
    /// new freshness and writes it (or a 304 when the client's own conditions match). Returns the status written to
    /// the client (200/304/the entry's), or 0 when there was no entry to refresh and nothing was written.
    /// </summary>
    public int TryServeRevalidated(PipeWriter output, ReadOnlySpan<byte> requestHead, RequestHead request, ReadOnlySpan<byte> responseHead, ResponseHead response,
        scoped in CacheServeContext context, long nowMs)
    {
        if (Revalidated(responseHead, response, nowMs) is not { } refreshed)
        {
            return 0;
        }

        var requestFacts = RequestCacheFacts.Of(requestHead, request);
        return Answer(output, requestHead, request, refreshed, requestFacts, CacheStatusKind.Revalidated, context, nowMs) ? 304 : refreshed.Status;
    }

    /// <summary>The upstream's 304 to our conditional request: re-stores the stale entry with fresh timing and returns it (null: nothing to refresh).</summary>
    public CacheEntry? Revalidated(ReadOnlySpan<byte> responseHead, ResponseHead response, long nowMs)
    {
        if (_stale is not { } old || response.StatusCode != 304)
        {
            return null;
        }

        var facts = ResponseCacheFacts.Of(responseHead, response);
        var freshness = old.Freshness;
        var d = facts.Directives;
        var lifetime = d.SMaxAge >= 0 ? d.SMaxAge * 1000 : d.MaxAge >= 0 ? d.MaxAge * 1000 : freshness.LifetimeMs;
        var refreshed = new CacheEntry
        {
            Key = old.Key,
            PathStart = old.PathStart,
            PathLength = old.PathLength,
            RouteId = old.RouteId,
            Head = old.Head,
            NotModifiedHead = old.NotModifiedHead,
            Body = old.Body,
            BodyLength = old.BodyLength,
            Lz4 = old.Lz4,
            Status = old.Status,
            Freshness = freshness with { LifetimeMs = lifetime, InitialAgeMs = CacheRules.InitialAgeMs(facts, _requestTimeMs, nowMs), ResponseTimeMs = nowMs },
            ETag = old.ETag,
            LastModified = old.LastModified,
            LastModifiedMs = old.LastModifiedMs,
            Tags = old.Tags,
        };
        Cache.Insert(refreshed);
        FinishRefresh();
        if (_filler)
        {
            // Waiters find the refreshed entry when they look again.
            _fill?.Abandon();
            _filler = false;
            _fill = null;
        }

        return refreshed;
    }

    /// <summary>
    /// RFC 5861 stale-if-error: the upstream failed (or answered 500/502/503/504) before anything was sent to the client.
    /// Writes the stale entry when its stale-if-error window allows, and returns true.
    /// </summary>
    public bool TryServeStaleOnError(PipeWriter output, scoped in CacheServeContext context, long nowMs)
    {
        if (_stale is not { } entry || !CacheRules.CanServeStaleOnError(entry.Freshness, nowMs))
        {
            return false;
        }

        CompleteStore(false);
        CachedResponseWriter.WriteEntry(output, entry, nowMs, CacheStatusKind.Stale, _isHead, context);
        Cache.Metrics.ServedStale();
        return true;
    }

    private void FinishRefresh()
    {
        if (_refreshOf is { } entry)
        {
            EndRefresh(entry);
            _refreshOf = null;
        }
    }

    /// <summary>Lets the next stale-while-revalidate request start a refresh again (call when a background refresh ends).</summary>
    public static void EndRefresh(CacheEntry entry) => Volatile.Write(ref entry.Refreshing, 0);

    private CacheEntry? Find(ReadOnlySpan<byte> head, RequestHead request)
    {
        var entry = Cache.Find(_key.BaseKey);
        if (entry is { IsVaryMarker: true })
        {
            // The key stays extended with the variant's values, for coalescing; BeginStore rebuilds it from the response's Vary.
            _key.AppendVary(head, request.Headers, entry.VaryNames!);
            entry = Cache.Find(_key.Key);
        }

        return entry is { IsVaryMarker: false } ? entry : null;
    }

    /// <summary>Writes the entry, or a 304 when the client's validators match it; returns true for the 304.</summary>
    private bool Answer(PipeWriter output, ReadOnlySpan<byte> head, RequestHead request, CacheEntry entry, in RequestCacheFacts facts, CacheStatusKind status,
        scoped in CacheServeContext context, long nowMs)
    {
        if (entry.Status == 200 && ConditionalMatches(head, request.Headers, entry, facts))
        {
            CachedResponseWriter.WriteNotModified(output, entry, nowMs, context);
            Cache.Metrics.AnsweredNotModified();
            return true;
        }

        var served = entry;
        var varyAcceptEncoding = false;
        if (_compression is { } compression && EncodedCopy.IsEligible(entry, compression))
        {
            var acceptEncoding = facts.AcceptEncoding >= 0 ? request.Headers.Value(head, facts.AcceptEncoding) : default;
            var codec = Compression.AcceptEncoding.Choose(acceptEncoding, compression.Codecs);
            if (codec != Compression.ContentCodec.None)
            {
                served = EncodedFor(entry, codec);
            }
            else
            {
                varyAcceptEncoding = !entry.HasVary;
            }
        }

        CachedResponseWriter.WriteEntry(output, served, nowMs, status, facts.IsHead, context, varyAcceptEncoding);
        if (status == CacheStatusKind.Stale)
        {
            Cache.Metrics.ServedStale();
        }
        else if (status == CacheStatusKind.Hit)
        {
            Cache.Metrics.Hit();
        }

        return false;
    }

    /// <summary>The entry's encoded copy for <paramref name="codec"/>, made and stored now if missing or made from an older identity entry.</summary>
    private CacheEntry EncodedFor(CacheEntry identity, Compression.ContentCodec codec)
    {
        // The key builder holds the identity entry's key here (base, or base + Vary'd values); if not, serve identity.
        if (!_key.Key.SequenceEqual(identity.Key))
        {
            return identity;
        }

        var mark = _key.AppendEncoding(codec);
        var copy = Cache.Find(_key.Key);
        if (copy is null || !ReferenceEquals(copy.Source, identity))
        {
            copy = EncodedCopy.Create(identity, codec, _key.Key.ToArray());
            if (!Cache.Insert(copy))
            {
                copy = identity;
            }
        }

        _key.Truncate(mark);
        return copy;
    }

    /// <summary>
    /// RFC 9110 §13.1.2 and §13.2.2: If-None-Match (weak comparison) decides when present; otherwise If-Modified-Since
    /// against the stored Last-Modified.
    /// </summary>
    internal static bool ConditionalMatches(ReadOnlySpan<byte> head, MessageHeaders headers, CacheEntry entry, in RequestCacheFacts facts)
    {
        if (facts.IfNoneMatch >= 0)
        {
            var value = HttpChars.TrimOws(headers.Value(head, facts.IfNoneMatch));
            if (value.Length == 1 && value[0] == (byte)'*')
            {
                return true;
            }

            if (entry.ETag.Length == 0)
            {
                return false;
            }

            var stored = Opaque(entry.ETag);
            while (!value.IsEmpty)
            {
                var comma = value.IndexOf((byte)',');
                var tag = HttpChars.TrimOws(comma < 0 ? value : value[..comma]);
                if (Opaque(tag).SequenceEqual(stored))
                {
                    return true;
                }

                value = comma < 0 ? default : value[(comma + 1)..];
            }

            return false;
        }

        return facts.IfModifiedSince >= 0 && entry.LastModifiedMs >= 0
            && HttpDate.TryParse(HttpChars.TrimOws(headers.Value(head, facts.IfModifiedSince)), out var since)
            && entry.LastModifiedMs <= since;
    }

    private static ReadOnlySpan<byte> Opaque(ReadOnlySpan<byte> tag) => tag.StartsWith("W/"u8) ? tag[2..] : tag;
}
