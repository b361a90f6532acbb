using System.Text;

namespace EdgeProxy.Http;

/// <summary>Headers the proxy itself acts on; everything else is <see cref="None"/> and passes through untouched.</summary>
internal enum KnownHeader : byte
{
    None = 0,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    KeepAlive,
    TE,
    Trailer,
    Upgrade,
    ProxyAny,
    Expect,
    XForwardedFor,
    XForwardedProto,
    XForwardedHost,
    Forwarded,
    Via,
    XRequestId,

    /// <summary>CORS (Fetch standard): the caller's origin, and what a preflight asks to send.</summary>
    Origin,
    AccessControlRequestMethod,
    AccessControlRequestHeaders,
}

internal static class KnownHeaders
{
    public static KnownHeader Classify(ReadOnlySpan<byte> name)
    {
        switch (name.Length)
        {
            case 2:
                if (Ascii.EqualsIgnoreCase(name, "te"u8)) return KnownHeader.TE;
                break;
            case 3:
                if (Ascii.EqualsIgnoreCase(name, "via"u8)) return KnownHeader.Via;
                break;
            case 4:
                if (Ascii.EqualsIgnoreCase(name, "host"u8)) return KnownHeader.Host;
                break;
            case 6:
                if (Ascii.EqualsIgnoreCase(name, "expect"u8)) return KnownHeader.Expect;
                if (Ascii.EqualsIgnoreCase(name, "origin"u8)) return KnownHeader.Origin;
                break;
            case 7:
                if (Ascii.EqualsIgnoreCase(name, "trailer"u8)) return KnownHeader.Trailer;
                if (Ascii.EqualsIgnoreCase(name, "upgrade"u8)) return KnownHeader.Upgrade;
                break;
            case 9:
                if (Ascii.EqualsIgnoreCase(name, "forwarded"u8)) return KnownHeader.Forwarded;
                break;
            case 10:
                if (Ascii.EqualsIgnoreCase(name, "connection"u8)) return KnownHeader.Connection;
                if (Ascii.EqualsIgnoreCase(name, "keep-alive"u8)) return KnownHeader.KeepAlive;
                break;
            case 12:
                if (Ascii.EqualsIgnoreCase(name, "x-request-id"u8)) return KnownHeader.XRequestId;
                break;
            case 14:
                if (Ascii.EqualsIgnoreCase(name, "content-length"u8)) return KnownHeader.ContentLength;
                break;
            case 15:
                if (Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8)) return KnownHeader.XForwardedFor;
                break;
            case 16:
                if (Ascii.EqualsIgnoreCase(name, "x-forwarded-host"u8)) return KnownHeader.XForwardedHost;
                break;
            case 17:
                if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8)) return KnownHeader.TransferEncoding;
                if (Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8)) return KnownHeader.XForwardedProto;
                break;
            case 29:
                if (Ascii.EqualsIgnoreCase(name, "access-control-request-method"u8)) return KnownHeader.AccessControlRequestMethod;
                break;
            case 30:
                if (Ascii.EqualsIgnoreCase(name, "access-control-request-headers"u8)) return KnownHeader.AccessControlRequestHeaders;
                break;
        }

        if (name.Length > 6 && Ascii.EqualsIgnoreCase(name[..6], "proxy-"u8))
        {
            return KnownHeader.ProxyAny;
        }

        return KnownHeader.None;
    }

    /// <summary>RFC 9110 §7.6.1 connection-specific fields, which a proxy must not forward.</summary>
    public static bool IsHopByHop(KnownHeader header) => header is KnownHeader.Connection or KnownHeader.KeepAlive
        or KnownHeader.TE or KnownHeader.Trailer or KnownHeader.TransferEncoding or KnownHeader.Upgrade or KnownHeader.ProxyAny;
}
