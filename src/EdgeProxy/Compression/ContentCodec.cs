namespace EdgeProxy.Compression;

/// <summary>The content codings the gateway can produce. Append-only: the values appear in metrics labels.</summary>
internal enum ContentCodec : byte
{
    None = 0,
    Brotli = 1,
    Zstd = 2,
    Gzip = 3,
}

internal static class ContentCodecs
{
    /// <summary>The token in Accept-Encoding and Content-Encoding (RFC 9110 §8.4.1; br RFC 7932, zstd RFC 8878).</summary>
    public static ReadOnlySpan<byte> Token(ContentCodec codec) => codec switch
    {
        ContentCodec.Brotli => "br"u8,
        ContentCodec.Zstd => "zstd"u8,
        ContentCodec.Gzip => "gzip"u8,
        _ => "identity"u8,
    };

    public static ContentCodec Parse(string name) => name switch
    {
        "br" => ContentCodec.Brotli,
        "zstd" => ContentCodec.Zstd,
        "gzip" => ContentCodec.Gzip,
        _ => ContentCodec.None,
    };
}
