using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using EdgeProxy.Http;
using K4os.Compression.LZ4;

namespace EdgeProxy.Caching;

/// <summary>Which cache status a response carries (X-Cache and the Cache-Status parameters).</summary>
internal enum CacheStatusKind : byte
{
    Hit,
    Stale,
    Miss,
    Bypass,
    Revalidated,
}

/// <summary>
/// Writes stored responses: the whole head is sized first and copied into one span of the client's pipe with one
/// Advance; the body follows as one <see cref="PipeWriter.Write"/> (or one LZ4 decode into the pipe's memory).
/// Nothing is allocated.
/// </summary>
internal static class CachedResponseWriter
{
    private const int DynamicReserve = 256;

    /// <param name="varyAcceptEncoding">Add <c>Vary: Accept-Encoding</c>: the identity answer of a route that compresses this entry for other clients.</param>
    public static void WriteEntry(PipeWriter output, CacheEntry entry, long nowMs, CacheStatusKind status, bool headOnly, scoped in CacheServeContext context,
        bool varyAcceptEncoding = false)
    {
        WriteHead(output, entry.Head, entry, nowMs, status, context, varyAcceptEncoding);
        if (headOnly || entry.BodyLength == 0)
        {
            return;
        }

        if (!entry.Lz4)
        {
            output.Write(entry.Body.AsSpan());
            return;
        }

        var target = output.GetSpan(entry.BodyLength);
        var decoded = LZ4Codec.Decode(entry.Body, target[..entry.BodyLength]);
        if (decoded != entry.BodyLength)
        {
            throw new InvalidOperationException("cache entry failed to decode");
        }

        output.Advance(decoded);
    }

    public static void WriteNotModified(PipeWriter output, CacheEntry entry, long nowMs, scoped in CacheServeContext context) =>
        WriteHead(output, entry.NotModifiedHead, entry, nowMs, CacheStatusKind.Hit, context, varyAcceptEncoding: false);

    /// <summary>The <c>Cache-Status</c> and <c>X-Cache</c> lines for a response forwarded from the upstream.</summary>
    public static void WriteStatusHeaders(ref HeadWriter w, CacheStatusKind status, ReadOnlySpan<byte> cacheName, bool stored)
    {
        w.Write("Cache-Status: "u8);
        w.Write(cacheName);
        w.Write(status switch
        {
            CacheStatusKind.Bypass => "; fwd=bypass"u8,
            CacheStatusKind.Revalidated => "; fwd=stale"u8,
            _ => "; fwd=miss"u8,
        });
        if (stored)
        {
            w.Write("; stored"u8);
        }

        w.WriteCrlf();
        w.Write(XCache(status));
    }

    private static void WriteHead(PipeWriter output, byte[] stored, CacheEntry entry, long nowMs, CacheStatusKind status, scoped in CacheServeContext context,
        bool varyAcceptEncoding)
    {
        var appended = 0;
        if (context.Transform is { } transform)
        {
            foreach (var (name, value) in transform.Append)
            {
                appended += name.Length + value.Length + 4;
            }
        }

        var size = stored.Length + DynamicReserve + context.RequestId.Length + context.Via.Length + context.CacheName.Length + context.Cors.Length + appended;
        var span = output.GetSpan(size);
        var n = Copy(stored, span, 0);
        var age = entry.Freshness.CurrentAgeMs(nowMs) / 1000;
        n = Copy("Age: "u8, span, n);
        n = Decimal(age, span, n);
        n = Copy("\r\nCache-Status: "u8, span, n);
        n = Copy(context.CacheName, span, n);
        n = Copy(status switch
        {
            CacheStatusKind.Stale => "; hit; fwd=stale; ttl="u8,
            CacheStatusKind.Revalidated => "; fwd=stale; fwd-status=304; ttl="u8,
            _ => "; hit; ttl="u8,
        }, span, n);
        n = Decimal((entry.Freshness.LifetimeMs - entry.Freshness.CurrentAgeMs(nowMs)) / 1000, span, n);
        n = Copy("\r\n"u8, span, n);
        n = Copy(XCache(status), span, n);
        n = Copy("Via: "u8, span, n);
        n = Copy(context.Via, span, n);
        n = Copy("\r\nX-Request-Id: "u8, span, n);
        n = Copy(context.RequestId, span, n);
        n = Copy("\r\n"u8, span, n);
        if (varyAcceptEncoding)
        {
            n = Copy("Vary: Accept-Encoding\r\n"u8, span, n);
        }

        if (!context.KeepAlive)
        {
            n = Copy("Connection: close\r\n"u8, span, n);
        }
        else if (context.ClientVersion == HttpVersion.Http10)
        {
            n = Copy("Connection: keep-alive\r\n"u8, span, n);
        }

        n = Copy(context.Cors, span, n);
        if (context.Transform is { } t)
        {
            foreach (var (name, value) in t.Append)
            {
                n = Copy(name, span, n);
                n = Copy(": "u8, span, n);
                n = Copy(value, span, n);
                n = Copy("\r\n"u8, span, n);
            }
        }

        n = Copy("\r\n"u8, span, n);
        output.Advance(n);
    }

    private static ReadOnlySpan<byte> XCache(CacheStatusKind status) => status switch
    {
        CacheStatusKind.Hit => "X-Cache: HIT\r\n"u8,
        CacheStatusKind.Stale => "X-Cache: STALE\r\n"u8,
        CacheStatusKind.Bypass => "X-Cache: BYPASS\r\n"u8,
        CacheStatusKind.Revalidated => "X-Cache: REVALIDATED\r\n"u8,
        _ => "X-Cache: MISS\r\n"u8,
    };

    private static int Copy(scoped ReadOnlySpan<byte> source, Span<byte> destination, int at)
    {
        source.CopyTo(destination[at..]);
        return at + source.Length;
    }

    private static int Decimal(long value, Span<byte> destination, int at)
    {
        Utf8Formatter.TryFormat(value, destination[at..], out var written);
        return at + written;
    }
}
