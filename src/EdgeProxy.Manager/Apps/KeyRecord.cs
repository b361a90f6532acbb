namespace EdgeProxy.Manager.Apps;

/// <summary>An API key as stored: only its id and SHA-256; the key itself was shown once and is gone.</summary>
public sealed class KeyRecord
{
    public long Id { get; set; }

    public long SubscriptionId { get; set; }

    public string KeyId { get; set; } = "";

    public string KeySha256 { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public bool Revoked { get; set; }

    /// <summary>For the audit log and API answers: the hash is not a secret, but there is no need to spread it.</summary>
    public object Public() => new { KeyId, SubscriptionId, CreatedAt, ExpiresAt, Revoked };
}
