using System.Buffers.Text;
using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Compression;

/// <summary>
/// Chooses a content coding from a request's <c>Accept-Encoding</c> (RFC 9110 §12.5.3): the offered codec with the
/// highest q-value wins, ties go to the route's order; a codec not named is acceptable only through <c>*</c>;
/// q=0 refuses. No header (or an empty one) means identity: we never compress for a client that did not ask.
/// </summary>
internal static class AcceptEncoding
{
    private const int Unlisted = -1;

    public static ContentCodec Choose(ReadOnlySpan<byte> acceptEncoding, ReadOnlySpan<ContentCodec> offered)
    {
        if (HttpChars.TrimOws(acceptEncoding).IsEmpty)
        {
            return ContentCodec.None;
        }

        var best = ContentCodec.None;
        var bestQ = 0;
        foreach (var codec in offered)
        {
            var q = QualityOf(acceptEncoding, codec);
            if (q > bestQ)
            {
                best = codec;
                bestQ = q;
            }
        }

        return best;
    }

    /// <summary>The client's q-value for <paramref name="codec"/> in thousandths; 0 when refused or not acceptable.</summary>
    public static int QualityOf(ReadOnlySpan<byte> acceptEncoding, ContentCodec codec)
    {
        var token = ContentCodecs.Token(codec);
        var explicitQ = Unlisted;
        var starQ = Unlisted;
        var value = acceptEncoding;
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var item = HttpChars.TrimOws(comma < 0 ? value : value[..comma]);
            value = comma < 0 ? default : value[(comma + 1)..];
            if (item.IsEmpty)
            {
                continue;
            }

            var semicolon = item.IndexOf((byte)';');
            var name = HttpChars.TrimOws(semicolon < 0 ? item : item[..semicolon]);
            var q = semicolon < 0 ? 1000 : ParseQ(item[(semicolon + 1)..]);
            if (Ascii.EqualsIgnoreCase(name, token) || (codec == ContentCodec.Gzip && Ascii.EqualsIgnoreCase(name, "x-gzip"u8)))
            {
                explicitQ = Math.Max(explicitQ, q);
            }
            else if (name.Length == 1 && name[0] == (byte)'*')
            {
                starQ = q;
            }
        }

        return explicitQ != Unlisted ? explicitQ : starQ != Unlisted ? starQ : 0;
    }

    /// <summary><c>q=0.8</c> as 800; malformed weights count as 0 (refused), the safe reading.</summary>
    private static int ParseQ(ReadOnlySpan<byte> parameters)
    {
        while (!parameters.IsEmpty)
        {
            var semicolon = parameters.IndexOf((byte)';');
            var parameter = HttpChars.TrimOws(semicolon < 0 ? parameters : parameters[..semicolon]);
            parameters = semicolon < 0 ? default : parameters[(semicolon + 1)..];
            if (parameter.Length < 2 || (parameter[0] | 0x20) != 'q' || parameter[1] != (byte)'=')
            {
                continue;
            }

            var number = parameter[2..];
            if (number.IsEmpty || number.Length > 5 || !Utf8Parser.TryParse(number, out decimal q, out var consumed) || consumed != number.Length || q < 0 || q > 1)
            {
                return 0;
            }

            return (int)(q * 1000);
        }

        return 1000;
    }
}
