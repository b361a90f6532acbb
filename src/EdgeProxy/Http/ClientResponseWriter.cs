using System.IO.Pipelines;
using System.Text;
using EdgeProxy.Buffers;
using EdgeProxy.Config;
using EdgeProxy.Routing;

namespace EdgeProxy.Http;

/// <summary>Writes response heads to the client: forwarded upstream heads and the gateway's own JSON errors.</summary>
internal static class ClientResponseWriter
{
    public static void WriteForwarded(PipeWriter output, ReadOnlySpan<byte> head, ResponseHead response, HeaderTransform transform,
        PolicySnapshot snapshot, ReadOnlySpan<byte> requestId, bool chunked, bool keepAlive, HttpVersion clientVersion,
        ReadOnlySpan<byte> extraHeaders = default, Caching.CacheStatusKind? cacheStatus = null, bool cacheStored = false,
        Compression.CompressionDecision compression = default, ReadOnlySpan<byte> corsHeaders = default)
    {
        var isSwitch = response.StatusCode == 101;
        var w = new HeadWriter(output);
        WriteStatusLine(ref w, response.StatusCode, response.Reason(head));
        var headers = response.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            var passSwitch = isSwitch && e.Known is KnownHeader.Connection or KnownHeader.Upgrade;
            if ((e.Drop && !passSwitch) || e.Known == KnownHeader.XRequestId)
            {
                continue;
            }

            var name = head.Slice(e.NameStart, e.NameLength);
            if (transform.Removes(name) || ((compression.Compress || compression.AddVary) && Compression.CompressingBodyWriter.IsReplaced(name, compression)))
            {
                continue;
            }

            w.WriteHeader(name, head.Slice(e.ValueStart, e.ValueLength));
        }

        if (compression.Compress || compression.AddVary)
        {
            Compression.CompressingBodyWriter.WriteHeaders(ref w, head, response, compression);
        }

        if (chunked)
        {
            w.Write("Transfer-Encoding: chunked\r\n"u8);
        }

        w.Write("Via: "u8);
        w.Write(snapshot.Via11);
        w.WriteCrlf();
        w.WriteHeader("X-Request-Id"u8, requestId);
        if (!isSwitch)
        {
            if (!keepAlive)
            {
                w.Write("Connection: close\r\n"u8);
            }
            else if (clientVersion == HttpVersion.Http10)
            {
                w.Write("Connection: keep-alive\r\n"u8);
            }
        }

        w.Write(extraHeaders);
        w.Write(corsHeaders);
        if (cacheStatus is { } status)
        {
            Caching.CachedResponseWriter.WriteStatusHeaders(ref w, status, snapshot.CacheName, cacheStored);
        }

        transform.WriteAppended(ref w);
        w.WriteCrlf();
        w.Commit();
    }

    /// <summary>
    /// Takes the output's next buffer big enough for the forwarded head and (up to a large block of) a Content-Length
    /// body before the head is written, so both go to the client as one buffer: the head alone would get a small
    /// block, and the body would spill into a second one. The forwarded head may grow by the headers the gateway adds.
    /// </summary>
    public static void ReserveHeadAndBody(PipeWriter output, int upstreamHeadLength, long contentLength) =>
        output.GetSpan((int)Math.Min(BlockMemoryPool.BlockSize, upstreamHeadLength + ForwardedHeadGrowth + contentLength));

    /// <summary>Room for what <see cref="WriteForwarded"/> adds to a head: Via, X-Request-Id, policy and CORS headers.</summary>
    private const int ForwardedHeadGrowth = 1024;

    /// <summary>Forwards an interim (1xx) response such as 103 Early Hints.</summary>
    public static void WriteInterim(PipeWriter output, ReadOnlySpan<byte> head, ResponseHead response)
    {
        var w = new HeadWriter(output);
        WriteStatusLine(ref w, response.StatusCode, response.Reason(head));
        var headers = response.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (!e.Drop)
            {
                w.WriteHeader(head.Slice(e.NameStart, e.NameLength), head.Slice(e.ValueStart, e.ValueLength));
            }
        }

        w.WriteCrlf();
        w.Commit();
    }

    /// <summary>A response the gateway makes itself: <c>{"error":"...","request_id":"..."}</c>.</summary>
    public static void WriteError(PipeWriter output, int status, string error, ReadOnlySpan<byte> requestId, bool close, bool headOnly,
        ReadOnlySpan<byte> extraHeaders = default, ReadOnlySpan<byte> corsHeaders = default)
    {
        var w = new HeadWriter(output);
        WriteStatusLine(ref w, status, default);
        var bodyLength = "{\"error\":\""u8.Length + Encoding.UTF8.GetByteCount(error) + "\",\"request_id\":\""u8.Length + requestId.Length + "\"}"u8.Length;
        w.Write("Content-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: "u8);
        w.WriteDecimal(bodyLength);
        w.WriteCrlf();
        if (!requestId.IsEmpty)
        {
            w.WriteHeader("X-Request-Id"u8, requestId);
        }

        if (close)
        {
            w.Write("Connection: close\r\n"u8);
        }

        w.Write(extraHeaders);
        w.Write(corsHeaders);
        w.WriteCrlf();
        if (!headOnly)
        {
            w.Write("{\"error\":\""u8);
            w.WriteAscii(error);
            w.Write("\",\"request_id\":\""u8);
            w.Write(requestId);
            w.Write("\"}"u8);
        }

        w.Commit();
    }

    /// <summary>
    /// The gateway's own answer to a CORS preflight: 204 with the route's precompiled lines and no body (RFC 9110 §8.6:
    /// no Content-Length on a 204). The request never reaches the access step or the upstream.
    /// </summary>
    public static void WritePreflight(PipeWriter output, ReadOnlySpan<byte> corsHeaders, ReadOnlySpan<byte> requestId, bool close)
    {
        var w = new HeadWriter(output);
        w.Write("HTTP/1.1 204 No Content\r\n"u8);
        w.Write(corsHeaders);
        w.WriteHeader("X-Request-Id"u8, requestId);
        if (close)
        {
            w.Write("Connection: close\r\n"u8);
        }

        w.WriteCrlf();
        w.Commit();
    }

    /// <summary>A response the gateway makes itself from a body encoded at config-compile time (a retired API version's 410).</summary>
    public static void WriteJson(PipeWriter output, int status, ReadOnlySpan<byte> body, ReadOnlySpan<byte> requestId, bool close, bool headOnly,
        ReadOnlySpan<byte> extraHeaders = default, ReadOnlySpan<byte> corsHeaders = default)
    {
        var w = new HeadWriter(output);
        WriteStatusLine(ref w, status, default);
        w.Write("Content-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: "u8);
        w.WriteDecimal(body.Length);
        w.WriteCrlf();
        if (!requestId.IsEmpty)
        {
            w.WriteHeader("X-Request-Id"u8, requestId);
        }

        if (close)
        {
            w.Write("Connection: close\r\n"u8);
        }

        w.Write(extraHeaders);
        w.Write(corsHeaders);
        w.WriteCrlf();
        if (!headOnly)
        {
            w.Write(body);
        }

        w.Commit();
    }

    private static void WriteStatusLine(ref HeadWriter w, int status, ReadOnlySpan<byte> reason)
    {
        w.Write("HTTP/1.1 "u8);
        w.WriteDecimal(status);
        w.WriteByte((byte)' ');
        if (reason.IsEmpty)
        {
            w.WriteAscii(ReasonPhrases.Of(status));
        }
        else
        {
            w.Write(reason);
        }

        w.WriteCrlf();
    }
}

internal static class ReasonPhrases
{
    public static string Of(int status) => status switch
    {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    };
}
