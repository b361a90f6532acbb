using System.Text;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

public sealed class ApiKeyGeneratorTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2));

    [Fact]
    public void Keys_are_256_random_bits_url_safe_and_distinct()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeyGenerator.Create(Now)).ToList();

        Assert.All(keys, k =>
        {
            Assert.StartsWith("epk_", k.Key, StringComparison.Ordinal);
            Assert.Equal(4 + 43, k.Key.Length);
            Assert.Matches("^epk_[A-Za-z0-9_-]{43}$", k.Key);
            Assert.Matches("^key-[0-9a-f]{8}$", k.KeyId);
            Assert.Equal(ApiKeyGenerator.Sha256Hex(k.Key), k.Sha256);
            Assert.DoesNotContain(k.Key, k.TomlLine, StringComparison.Ordinal);
            Assert.DoesNotContain(k.Key, k.ToString(), StringComparison.Ordinal);
        });
        Assert.Equal(1000, keys.Select(k => k.Key).Distinct().Count());
    }

    [Fact]
    public void The_toml_line_is_a_valid_key_entry_that_authenticates_the_key()
    {
        var generated = ApiKeyGenerator.Create(Now, keyId: "laptop");

        Assert.Equal($"{{ id = \"laptop\", key_sha256 = \"{generated.Sha256}\", created_at = 2025-03-04T03:06:07Z }}", generated.TomlLine);
        var result = ConfigLoader.LoadFiles([("c.toml", $"""
            [[listeners]]
            name = "l"
            listen = "127.0.0.1:8080"

            [[consumers]]
            id = "me"
            keys = [{generated.TomlLine}]
            """)]);
        Assert.True(result.IsValid, string.Join('\n', result.Errors));
        var store = ApiKeyStore.Compile(result.Config!);
        var lookup = store.Lookup(Encoding.UTF8.GetBytes(generated.Key), Now);
        Assert.Equal(ApiKeyOutcome.Ok, lookup.Outcome);
        Assert.Equal(("me", "laptop"), (lookup.Consumer!.Id, lookup.Key!.KeyId));
        Assert.Equal(new DateTimeOffset(2025, 3, 4, 3, 6, 7, TimeSpan.Zero), result.Config!.Consumers[0].Keys[0].CreatedAt);
    }
}
