namespace EdgeProxy.Policies.Auth;

/// <summary>One key of the compiled store: its hash, state, and owner.</summary>
internal sealed class ApiKeyEntry(byte[] hash, string? keyId, long expiresAtUtcTicks, bool revoked, CompiledConsumer consumer)
{
    /// <summary>The 32-byte SHA-256 of the key.</summary>
    public byte[] Hash { get; } = hash;

    public string? KeyId { get; } = keyId;

    /// <summary><see cref="DateTimeOffset.UtcTicks"/> of the expiry; <see cref="long.MaxValue"/> for none.</summary>
    public long ExpiresAtUtcTicks { get; } = expiresAtUtcTicks;

    public bool Revoked { get; } = revoked;

    public CompiledConsumer Consumer { get; } = consumer;
}
