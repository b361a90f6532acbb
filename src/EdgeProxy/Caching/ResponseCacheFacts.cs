using System.Buffers.Text;
using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Caching;

/// <summary>What the cache needs to know about an upstream response, gathered in one pass over its headers.</summary>
internal struct ResponseCacheFacts
{
    public CacheDirectives Directives;
    public int Status;

    /// <summary>Unix ms of <c>Date</c>, or -1.</summary>
    public long DateMs;

    /// <summary>Unix ms of <c>Expires</c>; -1 absent; <see cref="long.MinValue"/> present but invalid (already expired, RFC 9111 §5.3).</summary>
    public long ExpiresMs;

    /// <summary><c>Age</c> in seconds, 0 when absent or invalid.</summary>
    public long AgeSeconds;

    public bool VaryAny;
    public bool HasVary;
    public bool HasSetCookie;
    public bool HasContentRange;
    public int ETag;
    public int LastModified;
    public int ContentEncoding;
    public int ContentType;

    public static ResponseCacheFacts Of(ReadOnlySpan<byte> head, ResponseHead response)
    {
        var facts = new ResponseCacheFacts
        {
            Directives = CacheDirectives.None,
            Status = response.StatusCode,
            DateMs = -1,
            ExpiresMs = -1,
            ETag = -1,
            LastModified = -1,
            ContentEncoding = -1,
            ContentType = -1,
        };
        var headers = response.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            var name = head.Slice(e.NameStart, e.NameLength);
            var value = head.Slice(e.ValueStart, e.ValueLength);
            switch (name.Length)
            {
                case 3 when Ascii.EqualsIgnoreCase(name, "age"u8):
                    // RFC 9111 §5.1: several or invalid Age values: the first valid wins, an invalid one is ignored.
                    if (facts.AgeSeconds == 0 && Utf8Parser.TryParse(value, out long age, out var n) && n == value.Length && age > 0)
                    {
                        facts.AgeSeconds = age;
                    }

                    break;
                case 4 when Ascii.EqualsIgnoreCase(name, "date"u8):
                    facts.DateMs = HttpDate.TryParse(value, out var date) ? date : -1;
                    break;
                case 4 when Ascii.EqualsIgnoreCase(name, "etag"u8):
                    facts.ETag = i;
                    break;
                case 4 when Ascii.EqualsIgnoreCase(name, "vary"u8):
                    facts.HasVary |= !HttpChars.TrimOws(value).IsEmpty;
                    facts.VaryAny |= ContainsStar(value);
                    break;
                case 7 when Ascii.EqualsIgnoreCase(name, "expires"u8):
                    facts.ExpiresMs = HttpDate.TryParse(value, out var expires) ? expires : long.MinValue;
                    break;
                case 10 when Ascii.EqualsIgnoreCase(name, "set-cookie"u8):
                    facts.HasSetCookie = true;
                    break;
                case 12 when Ascii.EqualsIgnoreCase(name, "content-type"u8):
                    facts.ContentType = i;
                    break;
                case 13 when Ascii.EqualsIgnoreCase(name, "cache-control"u8):
                    facts.Directives.Add(value);
                    break;
                case 13 when Ascii.EqualsIgnoreCase(name, "last-modified"u8):
                    facts.LastModified = i;
                    break;
                case 13 when Ascii.EqualsIgnoreCase(name, "content-range"u8):
                    facts.HasContentRange = true;
                    break;
                case 16 when Ascii.EqualsIgnoreCase(name, "content-encoding"u8):
                    facts.ContentEncoding = i;
                    break;
            }
        }

        return facts;
    }

    public readonly bool HasValidator => ETag >= 0 || LastModified >= 0;

    private static bool ContainsStar(ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var item = HttpChars.TrimOws(comma < 0 ? value : value[..comma]);
            if (item.Length == 1 && item[0] == (byte)'*')
            {
                return true;
            }

            value = comma < 0 ? default : value[(comma + 1)..];
        }

        return false;
    }
}
