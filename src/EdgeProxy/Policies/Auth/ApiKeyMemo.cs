using System.Security.Cryptography;

namespace EdgeProxy.Policies.Auth;

/// <summary>
/// Per-connection memo of the last presented key and its SHA-256 (STYLE pattern 20: reuse the previous request's
/// work when the bytes match). A keep-alive client sends the same key on every request; hashing it is most of a
/// lookup's cost, so a repeat skips the hash and only looks the hash up again in the current store (which may
/// have been reloaded since, with the key revoked).
/// </summary>
/// <remarks>
/// The comparison with the remembered key is constant-time: a connection from a proxy may carry several callers'
/// keys, and one must not learn another's by timing. Call <see cref="Clear"/> when the connection closes.
/// </remarks>
internal sealed class ApiKeyMemo
{
    /// <summary>Longer keys are hashed every time (generated keys are 47 bytes).</summary>
    public const int MaxKeyLength = 128;

    private readonly byte[] _key = new byte[MaxKeyLength];
    private readonly byte[] _hash = new byte[32];
    private int _length = -1;

    // The last lookup's result, valid while the key and the (immutable) store are the same: a keep-alive client's
    // repeat requests skip the table probe too. A reload brings a new store, so a revocation is seen at once.
    private ApiKeyStore? _store;
    private ApiKeyResult _result;

    public ApiKeyResult Lookup(ApiKeyStore store, ReadOnlySpan<byte> presentedKey, DateTimeOffset now)
    {
        if (presentedKey.IsEmpty)
        {
            return new ApiKeyResult(ApiKeyOutcome.Missing, null);
        }

        if (presentedKey.Length != _length || !ConstantTime.Equals(presentedKey, _key.AsSpan(0, _length)))
        {
            _store = null;
            SHA256.HashData(presentedKey, _hash);
            if (presentedKey.Length <= MaxKeyLength)
            {
                presentedKey.CopyTo(_key);
                _length = presentedKey.Length;
            }
            else
            {
                _length = -1;
            }
        }

        if (ReferenceEquals(store, _store) && (_result.Key is null || now.UtcTicks < _result.Key.ExpiresAtUtcTicks))
        {
            return _result;
        }

        var result = store.LookupHash(_hash, now.UtcTicks);
        if (_length >= 0)
        {
            _store = store;
            _result = result;
        }

        return result;
    }

    /// <summary>Forgets the key (zeroing its bytes).</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_hash);
        _length = -1;
        _store = null;
        _result = default;
    }
}
