using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;
using System.Text;
using EdgeProxy.Compression;
using K4os.Compression.LZ4;

namespace EdgeProxy.Caching;

/// <summary>
/// Makes the encoded copy of a stored response the first time a client accepting that coding asks for it: the body
/// compressed once (at a higher level than on-the-fly compression, since it is paid for once), the head rewritten
/// (Content-Encoding added, Content-Length of the encoded body, ETag made weak, Accept-Encoding added to Vary).
/// The copy is an entry of its own, within the byte bound and evicted on its own.
/// </summary>
internal static class EncodedCopy
{
    public const int BrotliQuality = 6;
    public const int GzipLevel = 6;
    public const int ZstdLevel = 6;

    /// <summary>Whether the route's compression rules allow an encoded copy of <paramref name="entry"/> at all.</summary>
    public static bool IsEligible(CacheEntry entry, CompressionPolicy policy) =>
        entry.Status == 200 && !entry.NoTransform && entry.Encoding == ContentCodec.None && entry.BodyLength >= policy.MinSize
        && entry.BodyLength > 0 && entry.ContentType.Length > 0 && policy.MatchesType(entry.ContentType);

    public static CacheEntry Create(CacheEntry identity, ContentCodec codec, byte[] key)
    {
        var body = Body(identity);
        var encoded = Encode(body, codec);
        return new CacheEntry
        {
            Key = key,
            PathStart = identity.PathStart,
            PathLength = identity.PathLength,
            RouteId = identity.RouteId,
            Head = Head(identity.Head, codec, encoded.Length),
            NotModifiedHead = identity.NotModifiedHead,
            Body = encoded,
            BodyLength = encoded.Length,
            Status = identity.Status,
            Freshness = identity.Freshness,
            ETag = identity.ETag,
            LastModified = identity.LastModified,
            LastModifiedMs = identity.LastModifiedMs,
            Tags = identity.Tags,
            ContentType = identity.ContentType,
            NoTransform = true,
            HasVary = true,
            Encoding = codec,
            Source = identity,
        };
    }

    private static byte[] Body(CacheEntry entry)
    {
        if (!entry.Lz4)
        {
            return entry.Body;
        }

        var decoded = new byte[entry.BodyLength];
        LZ4Codec.Decode(entry.Body, decoded);
        return decoded;
    }

    private static byte[] Encode(byte[] body, ContentCodec codec)
    {
        using var output = new MemoryStream(body.Length / 3 + 64);
        using (Stream encoder = codec switch
        {
            ContentCodec.Brotli => new BrotliStream(output, new BrotliCompressionOptions { Quality = BrotliQuality }, leaveOpen: true),
            ContentCodec.Gzip => new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = GzipLevel }, leaveOpen: true),
            ContentCodec.Zstd => new ZstdSharp.CompressionStream(output, ZstdLevel, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(codec)),
        })
        {
            encoder.Write(body);
        }

        return output.ToArray();
    }

    /// <summary>Rewrites the stored head's lines (status line first, each ending in CRLF, no blank line).</summary>
    private static byte[] Head(byte[] head, ContentCodec codec, int length)
    {
        var buffer = new ArrayBufferWriter<byte>(head.Length + 64);
        var rest = head.AsSpan();
        var first = true;
        var varied = false;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = rest[..end];
            rest = rest[(end + 2)..];
            if (first)
            {
                buffer.Write(line);
                buffer.Write("\r\n"u8);
                first = false;
                continue;
            }

            var colon = line.IndexOf((byte)':');
            var name = line[..colon];
            var value = line[(colon + 1)..].TrimStart((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                continue;
            }

            buffer.Write(name);
            buffer.Write(": "u8);
            if (Ascii.EqualsIgnoreCase(name, "etag"u8) && !value.StartsWith("W/"u8))
            {
                buffer.Write("W/"u8);
            }

            buffer.Write(value);
            if (Ascii.EqualsIgnoreCase(name, "vary"u8) && !varied)
            {
                varied = true;
                if (!ContainsToken(value, "accept-encoding"u8))
                {
                    buffer.Write(", Accept-Encoding"u8);
                }
            }

            buffer.Write("\r\n"u8);
        }

        if (!varied)
        {
            buffer.Write("Vary: Accept-Encoding\r\n"u8);
        }

        buffer.Write("Content-Encoding: "u8);
        buffer.Write(ContentCodecs.Token(codec));
        buffer.Write("\r\nContent-Length: "u8);
        Span<byte> digits = stackalloc byte[11];
        Utf8Formatter.TryFormat(length, digits, out var n);
        buffer.Write(digits[..n]);
        buffer.Write("\r\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        while (!value.IsEmpty)
        {
            var comma = value.IndexOf((byte)',');
            var item = Http.HttpChars.TrimOws(comma < 0 ? value : value[..comma]);
            if (Ascii.EqualsIgnoreCase(item, token))
            {
                return true;
            }

            value = comma < 0 ? default : value[(comma + 1)..];
        }

        return false;
    }
}
