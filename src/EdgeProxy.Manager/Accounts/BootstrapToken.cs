using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using EdgeProxy.Manager.Data;

namespace EdgeProxy.Manager.Accounts;

/// <summary>
/// First start: with no admin account, a one-time token is printed to the log and only its SHA-256 is kept.
/// <c>/setup?token=...</c> with it creates the first admin and burns the token.
/// </summary>
public sealed class BootstrapToken
{
    private const string SettingKey = "bootstrap_token_sha256";

    private readonly ManagerDatabase _database;

    public BootstrapToken(ManagerDatabase database) => _database = database;

    /// <summary>A fresh token when there is no admin yet (replacing any earlier one), else null.</summary>
    public string? IssueIfNoAdmin(AccountService accounts)
    {
        if (accounts.AnyAdmin())
        {
            return null;
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));
        using var connection = _database.Open();
        connection.Execute("INSERT OR REPLACE INTO settings (key, value) VALUES (@SettingKey, @hash)", new { SettingKey, hash = Hash(token) });
        return token;
    }

    public bool IsValid(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        using var connection = _database.Open();
        var stored = connection.ExecuteScalar<string?>("SELECT value FROM settings WHERE key = @SettingKey", new { SettingKey });
        return stored is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(stored), Encoding.ASCII.GetBytes(Hash(token)));
    }

    public void Burn()
    {
        using var connection = _database.Open();
        connection.Execute("DELETE FROM settings WHERE key = @SettingKey", new { SettingKey });
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
