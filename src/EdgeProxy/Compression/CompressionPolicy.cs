using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Compression;

/// <summary>What to do with one response's body.</summary>
internal readonly record struct CompressionDecision(ContentCodec Codec, bool AddVary)
{
    public static readonly CompressionDecision Skip = new(ContentCodec.None, false);

    public bool Compress => Codec != ContentCodec.None;
}

/// <summary>A route's <see cref="RouteCompressionConfig"/> compiled once per reload, and the per-response decision.</summary>
internal sealed class CompressionPolicy
{
    private readonly byte[][] _types;
    private readonly ContentCodec[] _codecs;

    public CompressionPolicy(RouteCompressionConfig config)
    {
        Config = config;
        MinSize = config.MinSize;
        _types = new byte[config.Types.Count][];
        for (var i = 0; i < _types.Length; i++)
        {
            _types[i] = Encoding.ASCII.GetBytes(config.Types[i].ToLowerInvariant());
        }

        _codecs = new ContentCodec[config.Codecs.Count];
        for (var i = 0; i < _codecs.Length; i++)
        {
            _codecs[i] = ContentCodecs.Parse(config.Codecs[i]);
        }
    }

    public RouteCompressionConfig Config { get; }

    public long MinSize { get; }

    public ReadOnlySpan<ContentCodec> Codecs => _codecs;

    /// <summary>
    /// Compress when the type is listed, the body is large enough (or of unknown length), not already encoded, not a
    /// range, not marked no-transform, and the client accepts one of our codecs. <c>Vary: Accept-Encoding</c> is due
    /// whenever the answer depended on the client's header, compressed or not.
    /// </summary>
    public CompressionDecision Decide(ReadOnlySpan<byte> requestHead, RequestHead request, ReadOnlySpan<byte> responseHead, ResponseHead response)
    {
        var status = response.StatusCode;
        if (status is < 200 or 204 or 206 or 304 || request.IsHead)
        {
            return CompressionDecision.Skip;
        }

        var acceptEncoding = default(ReadOnlySpan<byte>);
        var requestHeaders = request.Headers;
        for (var i = 0; i < requestHeaders.Count; i++)
        {
            ref var e = ref requestHeaders.Entries[i];
            var name = requestHead.Slice(e.NameStart, e.NameLength);
            if (name.Length == 5 && Ascii.EqualsIgnoreCase(name, "range"u8))
            {
                return CompressionDecision.Skip;
            }

            if (name.Length == 15 && Ascii.EqualsIgnoreCase(name, "accept-encoding"u8))
            {
                acceptEncoding = requestHead.Slice(e.ValueStart, e.ValueLength);
            }
        }

        var facts = ResponseCacheFacts.Of(responseHead, response);
        if (facts.Directives.NoTransform || facts.HasContentRange || facts.ContentType < 0)
        {
            return CompressionDecision.Skip;
        }

        if (facts.ContentEncoding >= 0 && !Ascii.EqualsIgnoreCase(HttpChars.TrimOws(response.Headers.Value(responseHead, facts.ContentEncoding)), "identity"u8))
        {
            return CompressionDecision.Skip;
        }

        if (!MatchesType(response.Headers.Value(responseHead, facts.ContentType)))
        {
            return CompressionDecision.Skip;
        }

        if (response.Headers.HasContentLength && response.Headers.ContentLength < MinSize)
        {
            return CompressionDecision.Skip;
        }

        return new CompressionDecision(AcceptEncoding.Choose(acceptEncoding, _codecs), AddVary: true);
    }

    /// <summary><c>type/subtype</c> (parameters ignored) against the listed types and <c>type/*</c> ranges.</summary>
    public bool MatchesType(ReadOnlySpan<byte> contentType)
    {
        var semicolon = contentType.IndexOf((byte)';');
        var media = HttpChars.TrimOws(semicolon < 0 ? contentType : contentType[..semicolon]);
        var slash = media.IndexOf((byte)'/');
        if (slash <= 0)
        {
            return false;
        }

        foreach (var type in _types)
        {
            if (type.Length == media.Length && Ascii.EqualsIgnoreCase(type, media))
            {
                return true;
            }

            if (type[^1] == (byte)'*' && type.Length == slash + 2 && Ascii.EqualsIgnoreCase(type.AsSpan(0, slash + 1), media[..(slash + 1)]))
            {
                return true;
            }
        }

        return false;
    }
}
