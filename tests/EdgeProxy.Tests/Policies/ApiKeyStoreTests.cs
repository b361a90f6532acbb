using System.Text;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Keys;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Policies;

public sealed class ApiKeyStoreTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static ApiKeyConfig Key(string key, DateTimeOffset? expires = null, bool revoked = false, string? id = null) =>
        new() { Id = id, KeySha256 = ApiKeyGenerator.Sha256Hex(key), ExpiresAt = expires, Revoked = revoked };

    private static ApiKeyStore Store() => ApiKeyStore.Compile(new GatewayConfig
    {
        Plans = new[]
        {
            new PlanConfig { Id = "free", Quotas = new[] { new QuotaConfig { Period = QuotaPeriod.Day, Limit = 100 }, new QuotaConfig { Period = QuotaPeriod.Minute, Limit = 10 } } },
        },
        Consumers = new[]
        {
            new ConsumerConfig
            {
                Id = "acme",
                Plan = "free",
                Keys = new[] { Key("good", id: "k1"), Key("old", expires: Now), Key("leaked", revoked: true), Key("later", expires: Now.AddTicks(1)) },
                Quotas = new[] { new QuotaConfig { Period = QuotaPeriod.Day, Limit = 5000 }, new QuotaConfig { Period = QuotaPeriod.Month, Limit = 90000 } },
            },
            new ConsumerConfig { Id = "off", Enabled = false, Keys = new[] { Key("disabled-key") } },
        },
    });

    private static ApiKeyResult Lookup(ApiKeyStore store, string key) => store.Lookup(Encoding.UTF8.GetBytes(key), Now);

    [Fact]
    public void Every_outcome()
    {
        var store = Store();

        var ok = Lookup(store, "good");
        Assert.Equal(ApiKeyOutcome.Ok, ok.Outcome);
        Assert.Equal("acme", ok.Consumer!.Id);
        Assert.Equal("k1", ok.Key!.KeyId);
        Assert.Equal("acme"u8.ToArray(), ok.Consumer.IdUtf8);

        Assert.Equal(ApiKeyOutcome.Expired, Lookup(store, "old").Outcome);
        Assert.Equal(ApiKeyOutcome.Ok, Lookup(store, "later").Outcome);
        Assert.Equal(ApiKeyOutcome.Revoked, Lookup(store, "leaked").Outcome);
        var disabled = Lookup(store, "disabled-key");
        Assert.Equal(ApiKeyOutcome.ConsumerDisabled, disabled.Outcome);
        Assert.Equal("off", disabled.Consumer!.Id);

        var unknown = Lookup(store, "nope");
        Assert.Equal(ApiKeyOutcome.Unknown, unknown.Outcome);
        Assert.Null(unknown.Consumer);
        Assert.Equal(ApiKeyOutcome.Missing, store.Lookup([], Now).Outcome);

        // Keys are compared exactly as presented: no trimming, no case folding.
        Assert.Equal(ApiKeyOutcome.Unknown, Lookup(store, "Good").Outcome);
        Assert.Equal(ApiKeyOutcome.Unknown, Lookup(store, "good ").Outcome);
    }

    [Fact]
    public void Status_codes_names_and_messages()
    {
        Assert.Equal(
            [(200, "ok"), (401, "missing"), (401, "unknown"), (401, "expired"), (401, "revoked"), (403, "consumer_disabled")],
            Enum.GetValues<ApiKeyOutcome>().Select(o => (ApiKeyOutcomes.StatusCode(o), ApiKeyOutcomes.Name(o))));
        Assert.All(Enum.GetValues<ApiKeyOutcome>().Skip(1), o => Assert.NotEmpty(ApiKeyOutcomes.Message(o)));
    }

    [Fact]
    public void Outcomes_are_append_only()
    {
        Assert.Equal(["Ok", "Missing", "Unknown", "Expired", "Revoked", "ConsumerDisabled"], Enum.GetNames<ApiKeyOutcome>());
        Assert.Equal([0, 1, 2, 3, 4, 5], Enum.GetValues<ApiKeyOutcome>().Select(o => (int)o));
    }

    [Fact]
    public void Consumer_quotas_are_the_plans_with_overrides_by_period()
    {
        var store = Store();

        var acme = store.FindConsumer("acme")!;
        Assert.Equal(0, acme.PlanIndex);
        Assert.Equal([new QuotaRule(QuotaPeriod.Minute, 10), new QuotaRule(QuotaPeriod.Day, 5000), new QuotaRule(QuotaPeriod.Month, 90000)], acme.Quotas);
        var off = store.FindConsumer("off")!;
        Assert.Equal(-1, off.PlanIndex);
        Assert.Empty(off.Quotas);
        Assert.Null(store.FindConsumer("nobody"));
        Assert.Equal(5, store.KeyCount);
    }

    [Fact]
    public void A_hundred_thousand_consumers_all_resolve()
    {
        var store = BuildLarge(100_000);

        Assert.Equal(100_000, store.KeyCount);
        for (var i = 0; i < 100_000; i += 997)
        {
            var result = store.Lookup(Encoding.ASCII.GetBytes(LargeKey(i)), Now);
            Assert.Equal(ApiKeyOutcome.Ok, result.Outcome);
            Assert.Equal($"c{i}", result.Consumer!.Id);
        }

        Assert.Equal(ApiKeyOutcome.Unknown, store.Lookup("epk_missing"u8, Now).Outcome);
    }

    [Fact]
    public void Hashes_sharing_a_64_bit_prefix_are_told_apart_by_the_full_compare()
    {
        var a = new string('a', 48) + new string('0', 16);
        var b = new string('a', 48) + new string('1', 16);
        var store = ApiKeyStore.Compile(new GatewayConfig
        {
            Consumers = new[]
            {
                new ConsumerConfig { Id = "x", Keys = new[] { new ApiKeyConfig { KeySha256 = new string('a', 16) + a[16..] } } },
                new ConsumerConfig { Id = "y", Keys = new[] { new ApiKeyConfig { KeySha256 = new string('a', 16) + b[16..] } } },
            },
        });

        Assert.Equal("x", store.LookupHash(Convert.FromHexString(a), Now.UtcTicks).Consumer!.Id);
        Assert.Equal("y", store.LookupHash(Convert.FromHexString(b), Now.UtcTicks).Consumer!.Id);
        Assert.Equal(ApiKeyOutcome.Unknown, store.LookupHash(Convert.FromHexString(new string('a', 48) + new string('2', 16)), Now.UtcTicks).Outcome);
    }

    [Fact]
    public void The_connection_memo_reuses_the_hash_but_not_the_answer()
    {
        var memo = new ApiKeyMemo();
        var store = Store();
        var good = Encoding.UTF8.GetBytes("good");

        Assert.Equal(ApiKeyOutcome.Ok, memo.Lookup(store, good, Now).Outcome);
        Assert.Equal(ApiKeyOutcome.Ok, memo.Lookup(store, good, Now).Outcome);
        Assert.Equal(ApiKeyOutcome.Unknown, memo.Lookup(store, "nope"u8, Now).Outcome);
        Assert.Equal(ApiKeyOutcome.Missing, memo.Lookup(store, [], Now).Outcome);

        // A reload that revokes the key takes effect on the very next request of the same connection.
        var revoked = ApiKeyStore.Compile(new GatewayConfig
        {
            Consumers = new[] { new ConsumerConfig { Id = "acme", Keys = new[] { Key("good", revoked: true) } } },
        });
        Assert.Equal(ApiKeyOutcome.Ok, memo.Lookup(store, good, Now).Outcome);
        Assert.Equal(ApiKeyOutcome.Revoked, memo.Lookup(revoked, good, Now).Outcome);

        var longKey = new byte[ApiKeyMemo.MaxKeyLength + 1];
        Assert.Equal(ApiKeyOutcome.Unknown, memo.Lookup(store, longKey, Now).Outcome);
        memo.Clear();
        Assert.Equal(ApiKeyOutcome.Ok, memo.Lookup(store, good, Now).Outcome);
    }

    [Theory]
    [InlineData("", "", true)]
    [InlineData("abcdefgh12345", "abcdefgh12345", true)]
    [InlineData("abcdefgh12345", "abcdefgh12346", false)]
    [InlineData("xbcdefgh12345", "abcdefgh12345", false)]
    [InlineData("abcdefgh", "abcdefgi", false)]
    [InlineData("abc", "abcd", false)]
    public void Constant_time_equality(string left, string right, bool equal) =>
        Assert.Equal(equal, ConstantTime.Equals(Encoding.ASCII.GetBytes(left), Encoding.ASCII.GetBytes(right)));

    internal static string LargeKey(int i) => $"epk_test_key_{i:D8}";

    internal static ApiKeyStore BuildLarge(int count)
    {
        var consumers = new ConsumerConfig[count];
        for (var i = 0; i < count; i++)
        {
            consumers[i] = new ConsumerConfig { Id = $"c{i}", Keys = new[] { new ApiKeyConfig { KeySha256 = ApiKeyGenerator.Sha256Hex(LargeKey(i)) } } };
        }

        return ApiKeyStore.Compile(new GatewayConfig { Consumers = consumers });
    }
}
