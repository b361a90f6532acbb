namespace EdgeProxy.Policy.Keys;

/// <summary>
/// A key from <see cref="ApiKeyGenerator.Create"/>. <see cref="Key"/> is shown to the operator once and stored
/// nowhere; <see cref="TomlLine"/> (with only the hash) goes into the consumer's <c>keys</c> array.
/// </summary>
public sealed record GeneratedApiKey(string Key, string KeyId, string Sha256, DateTimeOffset CreatedAt, string TomlLine)
{
    // The generated ToString would print the key into whatever log or assertion message touches the record.
    public override string ToString() => $"API key {KeyId} (sha256 {Sha256})";
}
