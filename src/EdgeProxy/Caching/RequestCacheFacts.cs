using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Caching;

/// <summary>What the cache needs to know about a request, gathered in one pass over its headers.</summary>
internal struct RequestCacheFacts
{
    public CacheDirectives Directives;
    public bool IsGet;
    public bool IsHead;
    public bool HasAuthorization;
    public bool HasRange;
    public bool HasBody;

    /// <summary>Index of <c>If-None-Match</c> / <c>If-Modified-Since</c>, or -1.</summary>
    public int IfNoneMatch;
    public int IfModifiedSince;
    public int AcceptEncoding;

    /// <summary><c>Pragma: no-cache</c> without Cache-Control (RFC 9111 §5.4 keeps it only for HTTP/1.0 clients).</summary>
    public bool PragmaNoCache;

    public static RequestCacheFacts Of(ReadOnlySpan<byte> head, RequestHead request)
    {
        var facts = new RequestCacheFacts
        {
            Directives = CacheDirectives.None,
            IfNoneMatch = -1,
            IfModifiedSince = -1,
            AcceptEncoding = -1,
            HasBody = request.HasBody,
            IsHead = request.IsHead,
        };
        var method = request.Method(head);
        facts.IsGet = method.SequenceEqual("GET"u8);
        var headers = request.Headers;
        var sawCacheControl = false;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            var name = head.Slice(e.NameStart, e.NameLength);
            var value = head.Slice(e.ValueStart, e.ValueLength);
            switch (name.Length)
            {
                case 5 when Ascii.EqualsIgnoreCase(name, "range"u8):
                    facts.HasRange = true;
                    break;
                case 6 when Ascii.EqualsIgnoreCase(name, "pragma"u8):
                    facts.PragmaNoCache |= value.IndexOf("no-cache"u8) >= 0;
                    break;
                case 13 when Ascii.EqualsIgnoreCase(name, "authorization"u8):
                    facts.HasAuthorization = true;
                    break;
                case 13 when Ascii.EqualsIgnoreCase(name, "cache-control"u8):
                    facts.Directives.Add(value);
                    sawCacheControl = true;
                    break;
                case 13 when Ascii.EqualsIgnoreCase(name, "if-none-match"u8):
                    facts.IfNoneMatch = i;
                    break;
                case 15 when Ascii.EqualsIgnoreCase(name, "accept-encoding"u8):
                    facts.AcceptEncoding = i;
                    break;
                case 17 when Ascii.EqualsIgnoreCase(name, "if-modified-since"u8):
                    facts.IfModifiedSince = i;
                    break;
            }
        }

        if (sawCacheControl)
        {
            facts.PragmaNoCache = false;
        }

        return facts;
    }
}
