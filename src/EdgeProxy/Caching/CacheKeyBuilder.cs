using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Caching;

/// <summary>
/// Builds cache keys into a reused buffer: <c>GET \0 scheme \0 host \0 path \0 query \0 route-vary values... \0 consumer</c>,
/// then, for a response that varies, <c>\x01 name=value</c> per upstream <c>Vary</c> header. HEAD shares GET's key (it is
/// answered from the GET entry). NUL cannot occur in any part (the parser rejects it), so parts never run together.
/// </summary>
internal sealed class CacheKeyBuilder
{
    private const int MaxQueryParameters = 64;

    private byte[] _buffer = new byte[512];
    private int _length;

    /// <summary>Offset and length of the path in the key, for purge by prefix.</summary>
    public int PathStart { get; private set; }

    public int PathLength { get; private set; }

    /// <summary>Length of the key without the upstream-Vary part.</summary>
    public int BaseLength { get; private set; }

    public ReadOnlySpan<byte> Key => _buffer.AsSpan(0, _length);

    public ReadOnlySpan<byte> BaseKey => _buffer.AsSpan(0, BaseLength);

    public void Build(ReadOnlySpan<byte> head, RequestHead request, RouteCachePolicy policy, ReadOnlySpan<byte> scheme, ReadOnlySpan<byte> consumerId)
    {
        _length = 0;
        Append("GET"u8);
        Append(0);
        Append(scheme);
        Append(0);
        AppendLower(request.Host(head));
        Append(0);
        var path = request.Path(head);
        if (request.IsAbsoluteForm)
        {
            // http://host/path: the host is in the Host part already; keep only the path.
            var start = path.IndexOf("://"u8);
            var slash = start < 0 ? -1 : path[(start + 3)..].IndexOf((byte)'/');
            path = slash < 0 ? "/"u8 : path[(start + 3 + slash)..];
        }

        PathStart = _length;
        PathLength = path.Length;
        Append(path);
        Append(0);
        AppendQuery(request.Query(head), policy);
        Append(0);
        foreach (var name in policy.Vary)
        {
            AppendHeaderValues(head, request.Headers, name);
            Append(0);
        }

        if (policy.Private)
        {
            Append(consumerId);
        }

        BaseLength = _length;
    }

    /// <summary>Appends the request's values of the headers a stored response's <c>Vary</c> names (lower case).</summary>
    public void AppendVary(ReadOnlySpan<byte> head, MessageHeaders headers, byte[][] varyNames)
    {
        _length = BaseLength;
        foreach (var name in varyNames)
        {
            Append(1);
            Append(name);
            Append((byte)'=');
            AppendHeaderValues(head, headers, name);
        }
    }

    public void TruncateToBase() => _length = BaseLength;

    /// <summary>Extends the current key to its encoded copy's: <c>\x02 token</c>; returns the length to truncate back to.</summary>
    public int AppendEncoding(Compression.ContentCodec codec)
    {
        var mark = _length;
        Append(2);
        Append(Compression.ContentCodecs.Token(codec));
        return mark;
    }

    public void Truncate(int length) => _length = length;

    /// <summary>All lines of one header joined by commas, whitespace trimmed (RFC 9111 §4.1 normalization, the cheap part of it).</summary>
    private void AppendHeaderValues(ReadOnlySpan<byte> head, MessageHeaders headers, ReadOnlySpan<byte> name)
    {
        var first = true;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.NameLength != name.Length || !Ascii.EqualsIgnoreCase(head.Slice(e.NameStart, e.NameLength), name))
            {
                continue;
            }

            if (!first)
            {
                Append((byte)',');
            }

            Append(HttpChars.TrimOws(head.Slice(e.ValueStart, e.ValueLength)));
            first = false;
        }
    }

    private void AppendQuery(ReadOnlySpan<byte> query, RouteCachePolicy policy)
    {
        if (query.Length <= 1)
        {
            return;
        }

        query = query[1..];
        if (policy.IgnoreQuery.Length == 0 && !policy.SortQuery)
        {
            Append(query);
            return;
        }

        Span<Range> parameters = stackalloc Range[MaxQueryParameters];
        var count = 0;
        var position = 0;
        while (position <= query.Length)
        {
            var amp = query[position..].IndexOf((byte)'&');
            var end = amp < 0 ? query.Length : position + amp;
            if (end > position && !IsIgnored(query[position..end], policy.IgnoreQuery))
            {
                if (count == MaxQueryParameters)
                {
                    // Too many to normalize: key on the query as sent; correct, only less shared.
                    Append(query);
                    return;
                }

                parameters[count++] = new Range(position, end);
            }

            position = end + 1;
        }

        if (policy.SortQuery)
        {
            // Insertion sort: queries are short, and it is stable, so repeated names keep their order.
            for (var i = 1; i < count; i++)
            {
                var item = parameters[i];
                var j = i - 1;
                while (j >= 0 && query[parameters[j]].SequenceCompareTo(query[item]) > 0)
                {
                    parameters[j + 1] = parameters[j];
                    j--;
                }

                parameters[j + 1] = item;
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                Append((byte)'&');
            }

            Append(query[parameters[i]]);
        }
    }

    private static bool IsIgnored(ReadOnlySpan<byte> parameter, byte[][] ignored)
    {
        var eq = parameter.IndexOf((byte)'=');
        var name = eq < 0 ? parameter : parameter[..eq];
        foreach (var candidate in ignored)
        {
            if (name.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private void Append(byte b)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = b;
    }

    private void Append(scoped ReadOnlySpan<byte> bytes)
    {
        if (_buffer.Length - _length < bytes.Length)
        {
            Grow(bytes.Length);
        }

        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void AppendLower(ReadOnlySpan<byte> bytes)
    {
        if (_buffer.Length - _length < bytes.Length)
        {
            Grow(bytes.Length);
        }

        Ascii.ToLower(bytes, _buffer.AsSpan(_length), out var written);
        _length += written;
    }

    private void Grow(int needed) => Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + needed));
}
