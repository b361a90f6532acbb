using System.IO.Pipelines;
using EdgeProxy.Caching;
using EdgeProxy.Config;
using EdgeProxy.Routing;

namespace EdgeProxy.Http;

/// <summary>Facts about the client side that the forwarded request carries (RFC 7239 and the X-Forwarded-* family).</summary>
internal readonly ref struct ForwardingInfo
{
    public required ReadOnlySpan<byte> ClientAddress { get; init; }

    /// <summary>The <c>for=</c> value of <c>Forwarded</c>: quoted for IPv6 as RFC 7239 requires.</summary>
    public required ReadOnlySpan<byte> ForwardedFor { get; init; }

    public required ReadOnlySpan<byte> Scheme { get; init; }

    public required ReadOnlySpan<byte> RequestId { get; init; }

    /// <summary>Incoming X-Forwarded-* / Forwarded values come from a trusted proxy and are kept.</summary>
    public required bool Trusted { get; init; }

    /// <summary>The gateway answered <c>Expect: 100-continue</c> itself, so the header is not forwarded.</summary>
    public required bool AnsweredContinue { get; init; }

    public required ReadOnlySpan<byte> UpstreamAuthority { get; init; }

    /// <summary>The header that names the authenticated consumer upstream, and its value; empty on anonymous requests.</summary>
    public ReadOnlySpan<byte> ConsumerHeader { get; init; }

    public ReadOnlySpan<byte> ConsumerId { get; init; }

    /// <summary>Bytes of the query to leave out (the API key's parameter); empty to forward the query as is.</summary>
    public Range QueryCut { get; init; }

    /// <summary>
    /// Set when the cache revalidates a stale entry: the client's own If-None-Match / If-Modified-Since are replaced by
    /// the stored validators it writes (the client's conditions are answered from the refreshed entry instead).
    /// </summary>
    public CacheExchange? Revalidation { get; init; }
}

/// <summary>Writes the request head that goes upstream: rewritten target, filtered and added headers, own framing.</summary>
internal static class UpstreamRequestWriter
{
    public static void Write(PipeWriter output, ReadOnlySpan<byte> head, RequestHead request, CompiledRoute route,
        ReadOnlySpan<Range> captures, PolicySnapshot snapshot, in ForwardingInfo info)
    {
        var w = new HeadWriter(output);
        w.Write(request.Method(head));
        w.WriteByte((byte)' ');
        if (route.Rewrite is { } rewrite)
        {
            rewrite.Write(ref w, request.Path(head), captures);
        }
        else
        {
            w.Write(request.Path(head));
        }

        var query = request.Query(head);
        var (cutStart, cutLength) = info.QueryCut.GetOffsetAndLength(query.Length);
        if (cutLength == 0)
        {
            w.Write(query);
        }
        else
        {
            w.Write(query[..cutStart]);
            w.Write(query[(cutStart + cutLength)..]);
        }

        w.Write(" HTTP/1.1\r\n"u8);

        var headers = request.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.Drop)
            {
                continue;
            }

            switch (e.Known)
            {
                case KnownHeader.XForwardedFor:
                case KnownHeader.XForwardedProto:
                case KnownHeader.XForwardedHost:
                case KnownHeader.Forwarded:
                case KnownHeader.XRequestId:
                case KnownHeader.ContentLength:
                    continue;
                case KnownHeader.Expect when info.AnsweredContinue:
                    continue;
            }

            var name = head.Slice(e.NameStart, e.NameLength);
            if (route.RequestHeaders.Removes(name) || (info.Revalidation is not null && IsValidatorCondition(name)))
            {
                continue;
            }

            w.WriteHeader(name, head.Slice(e.ValueStart, e.ValueLength));
        }

        if (headers.HostIndex < 0)
        {
            w.WriteHeader("Host"u8, info.UpstreamAuthority);
        }

        if (headers.Chunked)
        {
            w.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else if (headers.HasContentLength)
        {
            w.Write("Content-Length: "u8);
            w.WriteDecimal(headers.ContentLength);
            w.WriteCrlf();
        }

        if (request.IsUpgrade)
        {
            w.Write("Connection: upgrade\r\n"u8);
            w.WriteHeader("Upgrade"u8, headers.Value(head, headers.UpgradeIndex));
        }

        WriteForwarded(ref w, head, request, info);
        w.Write("Via: "u8);
        w.Write(request.Version == HttpVersion.Http10 ? snapshot.Via10 : snapshot.Via11);
        w.WriteCrlf();
        w.WriteHeader("X-Request-Id"u8, info.RequestId);
        if (!info.ConsumerId.IsEmpty)
        {
            w.WriteHeader(info.ConsumerHeader, info.ConsumerId);
        }

        info.Revalidation?.WriteConditionalHeaders(ref w);
        route.RequestHeaders.WriteAppended(ref w);
        w.WriteCrlf();
        w.Commit();
    }

    private static bool IsValidatorCondition(ReadOnlySpan<byte> name) =>
        System.Text.Ascii.EqualsIgnoreCase(name, "If-None-Match"u8) || System.Text.Ascii.EqualsIgnoreCase(name, "If-Modified-Since"u8);

    private static void WriteForwarded(ref HeadWriter w, ReadOnlySpan<byte> head, RequestHead request, in ForwardingInfo info)
    {
        var headers = request.Headers;
        var host = request.Host(head);

        w.Write("X-Forwarded-For: "u8);
        if (info.Trusted)
        {
            WritePrior(ref w, head, headers, KnownHeader.XForwardedFor);
        }

        w.Write(info.ClientAddress);
        w.WriteCrlf();

        w.Write("X-Forwarded-Proto: "u8);
        if (!info.Trusted || !WriteFirst(ref w, head, headers, KnownHeader.XForwardedProto))
        {
            w.Write(info.Scheme);
        }

        w.WriteCrlf();

        if (!host.IsEmpty || info.Trusted)
        {
            w.Write("X-Forwarded-Host: "u8);
            if (!info.Trusted || !WriteFirst(ref w, head, headers, KnownHeader.XForwardedHost))
            {
                w.Write(host);
            }

            w.WriteCrlf();
        }

        w.Write("Forwarded: "u8);
        if (info.Trusted)
        {
            WritePrior(ref w, head, headers, KnownHeader.Forwarded);
        }

        w.Write("for="u8);
        w.Write(info.ForwardedFor);
        w.Write(";proto="u8);
        w.Write(info.Scheme);
        if (!host.IsEmpty)
        {
            w.Write(";host=\""u8);
            w.Write(host);
            w.WriteByte((byte)'"');
        }

        w.WriteCrlf();
    }

    /// <summary>Writes every earlier value of a list header followed by ", ".</summary>
    private static void WritePrior(ref HeadWriter w, ReadOnlySpan<byte> head, MessageHeaders headers, KnownHeader known)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.Known == known && !e.Drop && e.ValueLength > 0)
            {
                w.Write(head.Slice(e.ValueStart, e.ValueLength));
                w.Write(", "u8);
            }
        }
    }

    private static bool WriteFirst(ref HeadWriter w, ReadOnlySpan<byte> head, MessageHeaders headers, KnownHeader known)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.Known == known && !e.Drop && e.ValueLength > 0)
            {
                w.Write(head.Slice(e.ValueStart, e.ValueLength));
                return true;
            }
        }

        return false;
    }
}
