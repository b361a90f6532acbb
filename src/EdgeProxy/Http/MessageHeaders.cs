using System.Text;

namespace EdgeProxy.Http;

/// <summary>Framing</summary>
internal enum BodyFraming : byte
{
    None,
    ContentLength,
    Chunked,

    /// <summary>Response body delimited by the upstream closing the connection (RFC 9112 §6.3 rule 8).</summary>
    UntilClose,
}

/// <summary>
/// The header section of one message, parsed in place: entries point into the head bytes, and the facts the
/// proxy acts on (framing, connection options) are derived once during the parse. Reused per connection.
/// </summary>
internal sealed class MessageHeaders
{
    public HeaderEntry[] Entries;
    public int Count;

    public long ContentLength;
    public bool HasContentLength;
    public bool HasTransferEncoding;
    public bool Chunked;
    public bool ConnectionClose;
    public bool ConnectionKeepAlive;
    public bool ConnectionUpgrade;
    public int UpgradeIndex;
    public int ExpectIndex;
    public int HostIndex;
    public int RequestIdIndex;

    /// <summary>First <c>Origin</c>, <c>Access-Control-Request-Method</c> and <c>Access-Control-Request-Headers</c> (CORS), or -1.</summary>
    public int OriginIndex;
    public int RequestMethodIndex;
    public int RequestHeadersIndex;

    public MessageHeaders(int capacity) => Entries = new HeaderEntry[capacity];

    public void Reset()
    {
        Count = 0;
        ContentLength = -1;
        HasContentLength = false;
        HasTransferEncoding = false;
        Chunked = false;
        ConnectionClose = false;
        ConnectionKeepAlive = false;
        ConnectionUpgrade = false;
        UpgradeIndex = -1;
        ExpectIndex = -1;
        HostIndex = -1;
        RequestIdIndex = -1;
        OriginIndex = -1;
        RequestMethodIndex = -1;
        RequestHeadersIndex = -1;
    }

    public ReadOnlySpan<byte> Name(ReadOnlySpan<byte> head, int index)
    {
        ref var e = ref Entries[index];
        return head.Slice(e.NameStart, e.NameLength);
    }

    public ReadOnlySpan<byte> Value(ReadOnlySpan<byte> head, int index)
    {
        ref var e = ref Entries[index];
        return head.Slice(e.ValueStart, e.ValueLength);
    }

    /// <summary>Index of the first header with this name, or -1.</summary>
    public int Find(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < Count; i++)
        {
            ref var e = ref Entries[i];
            if (e.NameLength == name.Length && Ascii.EqualsIgnoreCase(head.Slice(e.NameStart, e.NameLength), name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Marks every header with this name as not forwarded; returns the index of the first, or -1.</summary>
    public int DropAll(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        var first = -1;
        for (var i = 0; i < Count; i++)
        {
            ref var e = ref Entries[i];
            if (e.NameLength == name.Length && Ascii.EqualsIgnoreCase(head.Slice(e.NameStart, e.NameLength), name))
            {
                e.Drop = true;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        return first;
    }

    /// <summary>
    /// Marks every header that must not cross the proxy: the fixed hop-by-hop set and every field
    /// named by a Connection option (RFC 9110 §7.6.1).
    /// </summary>
    public void MarkHopByHop(ReadOnlySpan<byte> head)
    {
        for (var i = 0; i < Count; i++)
        {
            ref var e = ref Entries[i];
            if (KnownHeaders.IsHopByHop(e.Known))
            {
                e.Drop = true;
            }

            if (e.Known != KnownHeader.Connection)
            {
                continue;
            }

            var value = head.Slice(e.ValueStart, e.ValueLength);
            while (!value.IsEmpty)
            {
                var comma = value.IndexOf((byte)',');
                var option = HttpChars.TrimOws(comma < 0 ? value : value[..comma]);
                value = comma < 0 ? default : value[(comma + 1)..];
                if (option.IsEmpty)
                {
                    continue;
                }

                if (Ascii.EqualsIgnoreCase(option, "close"u8))
                {
                    ConnectionClose = true;
                }
                else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
                {
                    ConnectionKeepAlive = true;
                }
                else if (Ascii.EqualsIgnoreCase(option, "upgrade"u8))
                {
                    ConnectionUpgrade = true;
                }

                for (var j = 0; j < Count; j++)
                {
                    ref var other = ref Entries[j];
                    if (other.NameLength == option.Length && Ascii.EqualsIgnoreCase(head.Slice(other.NameStart, other.NameLength), option))
                    {
                        other.Drop = true;
                    }
                }
            }
        }
    }
}
