using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policy.Keys;

/// <summary>
/// <c>edgeproxy keys new</c> and the manager: a random key of 256 bits, URL-safe (base64url, no padding) behind an <c>epk_</c>
/// prefix that secret scanners and people can recognise, and the <c>keys</c> entry to paste into a consumer.
/// </summary>
public static class ApiKeyGenerator
{
    public const string Prefix = "epk_";
    public const int RandomBytes = 32;

    public static GeneratedApiKey Create(DateTimeOffset now, string? keyId = null)
    {
        Span<byte> random = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(random);
        var key = Prefix + Base64Url.EncodeToString(random);
        CryptographicOperations.ZeroMemory(random);

        // Key ids appear in logs and the manager; a random one says nothing about the key.
        keyId ??= "key-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var sha256 = Sha256Hex(key);
        var created = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var toml = $"{{ id = \"{keyId}\", key_sha256 = \"{sha256}\", created_at = {TimestampParser.Format(created)} }}";
        return new GeneratedApiKey(key, keyId, sha256, created, toml);
    }

    /// <summary>The <c>key_sha256</c> of a key: lowercase hex SHA-256 of its UTF-8 bytes.</summary>
    public static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
