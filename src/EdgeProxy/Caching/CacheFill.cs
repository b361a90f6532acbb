using System.Buffers;
using System.Buffers.Text;
using System.Text;
using EdgeProxy.Http;
using EdgeProxy.Routing;
using K4os.Compression.LZ4;

namespace EdgeProxy.Caching;

/// <summary>
/// A response being fetched for the cache. The request that registered it (the filler) tees the upstream's head and
/// body into it while streaming them to its own client, then commits or abandons it; requests that missed on the
/// same key meanwhile wait on <see cref="WaitAsync"/> and look up again when it ends (request coalescing).
/// </summary>
internal sealed class CacheFill
{
    private readonly ResponseCache _cache;
    private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _body;
    private int _bodyLength;
    private bool _storing;
    private byte[] _head = [];
    private byte[] _notModifiedHead = [];
    private byte[] _entryKey = [];
    private byte[] _baseKey = [];
    private int _pathStart;
    private int _pathLength;
    private string _routeId = "";
    private Freshness _freshness;
    private int _status;
    private byte[] _etag = [];
    private byte[] _lastModified = [];
    private long _lastModifiedMs = -1;
    private byte[][] _tags = [];
    private byte[] _contentType = [];
    private bool _noTransform;
    private bool _hasVary;
    private byte[][]? _varyNames;

    internal CacheFill(ResponseCache cache, byte[] key)
    {
        _cache = cache;
        Key = key;
        StartedAt = Environment.TickCount64;
    }

    /// <summary><see cref="Environment.TickCount64"/> when the fetch was registered.</summary>
    public long StartedAt { get; }

    /// <summary>The key the fill is registered under: the base key, or the variant's key when a Vary marker named it.</summary>
    public byte[] Key { get; }

    public bool IsStoring => _storing;

    public bool IsCompleted => _done.Task.IsCompleted;

    /// <summary>True when the fill committed an entry; false when abandoned or when <paramref name="timeout"/> passed first.</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await _done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Decides storability and captures the response head in stored form. Call while the request head is still
    /// readable (before it is consumed): the entry's key takes the request's values of the response's Vary headers.
    /// </summary>
    public NotStoredReason Begin(ReadOnlySpan<byte> requestHead, RequestHead request, in RequestCacheFacts requestFacts, CacheKeyBuilder key,
        RouteCachePolicy policy, ReadOnlySpan<byte> responseHead, ResponseHead response, HeaderTransform transform, long requestTimeMs, long responseTimeMs)
    {
        var facts = ResponseCacheFacts.Of(responseHead, response);
        var reason = CacheRules.ForResponse(facts, requestFacts, policy, requestTimeMs, responseTimeMs, out _freshness);
        if (reason != NotStoredReason.None)
        {
            return reason;
        }

        if (response.Headers.HasContentLength && response.Headers.ContentLength > _cache.Settings.MaxEntryBytes)
        {
            return NotStoredReason.TooLarge;
        }

        _status = response.StatusCode;
        _routeId = policy.RouteId;
        _varyNames = facts.HasVary ? VaryNames(responseHead, response.Headers) : null;
        if (_varyNames is not null)
        {
            key.AppendVary(requestHead, request.Headers, _varyNames);
        }
        else
        {
            key.TruncateToBase();
        }

        _entryKey = key.Key.ToArray();
        _baseKey = key.BaseKey.ToArray();
        _pathStart = key.PathStart;
        _pathLength = key.PathLength;
        _head = StoredHead(responseHead, response, transform);
        _notModifiedHead = NotModifiedHead(responseHead, response.Headers);
        if (facts.ETag >= 0)
        {
            _etag = response.Headers.Value(responseHead, facts.ETag).ToArray();
        }

        if (facts.LastModified >= 0)
        {
            var value = response.Headers.Value(responseHead, facts.LastModified);
            _lastModified = value.ToArray();
            _lastModifiedMs = HttpDate.TryParse(value, out var ms) ? ms : -1;
        }

        _tags = policy.TagHeader.Length > 0 ? Tags(responseHead, response.Headers, policy.TagHeader) : [];
        _contentType = facts.ContentType >= 0 ? response.Headers.Value(responseHead, facts.ContentType).ToArray() : [];
        _noTransform = facts.Directives.NoTransform || (facts.ContentEncoding >= 0
            && !Ascii.EqualsIgnoreCase(HttpChars.TrimOws(response.Headers.Value(responseHead, facts.ContentEncoding)), "identity"u8));
        _hasVary = facts.HasVary;
        _storing = true;
        return NotStoredReason.None;
    }

    /// <summary>Tees body bytes; false (and the fill is abandoned) once the body outgrows the entry bound.</summary>
    public bool Append(ReadOnlySpan<byte> data)
    {
        if (!_storing)
        {
            return false;
        }

        var needed = (long)_bodyLength + data.Length;
        if (needed > _cache.Settings.MaxEntryBytes)
        {
            Abandon();
            return false;
        }

        if (_body is null || _body.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Max(needed, Math.Min(_cache.Settings.MaxEntryBytes, Math.Max(4096, (_body?.Length ?? 0) * 2L))));
            if (_body is not null)
            {
                _body.AsSpan(0, _bodyLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_body);
            }

            _body = bigger;
        }

        data.CopyTo(_body.AsSpan(_bodyLength));
        _bodyLength += data.Length;
        return true;
    }

    /// <summary>The body ended as framed: store the entry (and the Vary marker) and wake the waiters.</summary>
    public CacheEntry? Commit()
    {
        if (!_storing)
        {
            Abandon();
            return null;
        }

        var body = _body.AsSpan(0, _bodyLength);
        var compressAbove = _cache.Settings.CompressAbove;
        byte[] stored;
        var lz4 = false;
        if (compressAbove > 0 && body.Length >= compressAbove)
        {
            var scratch = ArrayPool<byte>.Shared.Rent(LZ4Codec.MaximumOutputSize(body.Length));
            var encoded = LZ4Codec.Encode(body, scratch, LZ4Level.L00_FAST);

            // Worth keeping compressed only when it saves at least an eighth; otherwise decoding costs for nothing.
            lz4 = encoded > 0 && encoded < body.Length - (body.Length >> 3);
            stored = lz4 ? scratch.AsSpan(0, encoded).ToArray() : body.ToArray();
            ArrayPool<byte>.Shared.Return(scratch);
        }
        else
        {
            stored = body.ToArray();
        }

        var entry = new CacheEntry
        {
            Key = _entryKey,
            PathStart = _pathStart,
            PathLength = _pathLength,
            RouteId = _routeId,
            Head = WithContentLength(_head, _bodyLength),
            NotModifiedHead = _notModifiedHead,
            Body = stored,
            BodyLength = _bodyLength,
            Lz4 = lz4,
            Status = _status,
            Freshness = _freshness,
            ETag = _etag,
            LastModified = _lastModified,
            LastModifiedMs = _lastModifiedMs,
            Tags = _tags,
            ContentType = _contentType,
            NoTransform = _noTransform,
            HasVary = _hasVary,
        };
        var ok = _cache.Insert(entry);
        if (ok && _varyNames is not null)
        {
            var marker = _cache.Find(_baseKey);
            if (marker is null || !marker.IsVaryMarker || !SameNames(marker.VaryNames!, _varyNames))
            {
                _cache.Insert(new CacheEntry { Key = _baseKey, PathStart = _pathStart, PathLength = _pathLength, RouteId = _routeId, VaryNames = _varyNames });
            }
        }

        Release();
        if (ok)
        {
            _cache.Metrics.Stored();
        }
        else
        {
            _cache.Metrics.Abandoned();
        }

        _cache.EndFill(this);
        _done.TrySetResult(ok);
        return ok ? entry : null;
    }

    /// <summary>Nothing will be stored (not storable, too large, upstream failed): waiters go upstream themselves.</summary>
    public void Abandon()
    {
        if (_storing)
        {
            _cache.Metrics.Abandoned();
        }

        _storing = false;
        Release();
        _cache.EndFill(this);
        _done.TrySetResult(false);
    }

    private void Release()
    {
        if (_body is not null)
        {
            ArrayPool<byte>.Shared.Return(_body);
            _body = null;
        }

        _bodyLength = 0;
    }

    /// <summary>The head as the cache serves it: hop-by-hop, framing, Age and X-Request-Id dropped, the route's removals applied.</summary>
    private static byte[] StoredHead(ReadOnlySpan<byte> head, ResponseHead response, HeaderTransform transform)
    {
        var buffer = new ArrayBufferWriter<byte>(head.Length + 64);
        buffer.Write("HTTP/1.1 "u8);
        Span<byte> status = stackalloc byte[3];
        Utf8Formatter.TryFormat(response.StatusCode, status, out _);
        buffer.Write(status);
        buffer.Write(" "u8);
        buffer.Write(response.Reason(head));
        buffer.Write("\r\n"u8);
        var headers = response.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            var name = head.Slice(e.NameStart, e.NameLength);
            if (e.Drop || e.Known is KnownHeader.XRequestId or KnownHeader.ContentLength or KnownHeader.TransferEncoding
                || (name.Length == 3 && Ascii.EqualsIgnoreCase(name, "age"u8)) || transform.Removes(name))
            {
                continue;
            }

            buffer.Write(name);
            buffer.Write(": "u8);
            buffer.Write(head.Slice(e.ValueStart, e.ValueLength));
            buffer.Write("\r\n"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] WithContentLength(byte[] head, int length)
    {
        Span<byte> digits = stackalloc byte[11];
        Utf8Formatter.TryFormat(length, digits, out var n);
        var result = new byte[head.Length + 16 + n + 2];
        head.CopyTo(result, 0);
        "Content-Length: "u8.CopyTo(result.AsSpan(head.Length));
        digits[..n].CopyTo(result.AsSpan(head.Length + 16));
        "\r\n"u8.CopyTo(result.AsSpan(head.Length + 16 + n));
        return result;
    }

    /// <summary>RFC 9110 §15.4.5: a 304 carries what a 200 would for Cache-Control, Content-Location, Date, ETag, Expires, Vary.</summary>
    private static byte[] NotModifiedHead(ReadOnlySpan<byte> head, MessageHeaders headers)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write("HTTP/1.1 304 Not Modified\r\n"u8);
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            var name = head.Slice(e.NameStart, e.NameLength);
            if (Ascii.EqualsIgnoreCase(name, "cache-control"u8) || Ascii.EqualsIgnoreCase(name, "content-location"u8) || Ascii.EqualsIgnoreCase(name, "date"u8)
                || Ascii.EqualsIgnoreCase(name, "etag"u8) || Ascii.EqualsIgnoreCase(name, "expires"u8) || Ascii.EqualsIgnoreCase(name, "vary"u8)
                || Ascii.EqualsIgnoreCase(name, "last-modified"u8))
            {
                buffer.Write(name);
                buffer.Write(": "u8);
                buffer.Write(head.Slice(e.ValueStart, e.ValueLength));
                buffer.Write("\r\n"u8);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static byte[][] VaryNames(ReadOnlySpan<byte> head, MessageHeaders headers)
    {
        var names = new List<byte[]>();
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.NameLength != 4 || !Ascii.EqualsIgnoreCase(head.Slice(e.NameStart, 4), "vary"u8))
            {
                continue;
            }

            foreach (var item in Items(head.Slice(e.ValueStart, e.ValueLength), (byte)','))
            {
                var lower = new byte[item.Length];
                Ascii.ToLower(item, lower, out _);
                if (!names.Exists(n => n.AsSpan().SequenceEqual(lower)))
                {
                    names.Add(lower);
                }
            }
        }

        // One order for the same set, so "Vary: A, B" and "Vary: B, A" key alike.
        names.Sort(static (a, b) => a.AsSpan().SequenceCompareTo(b));
        return [.. names];
    }

    private static byte[][] Tags(ReadOnlySpan<byte> head, MessageHeaders headers, byte[] tagHeader)
    {
        var tags = new List<byte[]>();
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.NameLength == tagHeader.Length && Ascii.EqualsIgnoreCase(head.Slice(e.NameStart, e.NameLength), tagHeader))
            {
                foreach (var item in Items(head.Slice(e.ValueStart, e.ValueLength), (byte)' '))
                {
                    tags.Add(item.ToArray());
                }
            }
        }

        return [.. tags];
    }

    /// <summary>Non-empty items split on <paramref name="separator"/> and commas, trimmed.</summary>
    private static List<byte[]> Items(ReadOnlySpan<byte> value, byte separator)
    {
        var items = new List<byte[]>();
        while (!value.IsEmpty)
        {
            var end = value.IndexOfAny(separator, (byte)',');
            var item = HttpChars.TrimOws(end < 0 ? value : value[..end]);
            if (!item.IsEmpty)
            {
                items.Add(item.ToArray());
            }

            value = end < 0 ? default : value[(end + 1)..];
        }

        return items;
    }

    private static bool SameNames(byte[][] a, byte[][] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!a[i].AsSpan().SequenceEqual(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
