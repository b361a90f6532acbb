using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Security.Cryptography;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Auth;

/// <summary>
/// Consumers and their API keys, compiled once per config revision (immutable; part of the snapshot). A presented
/// key is hashed with SHA-256 into a stack buffer, its hash's first 8 bytes pick a slot in an open-addressing
/// table, and the full hash is compared in constant time. Nothing is allocated per lookup.
/// </summary>
/// <remarks>
/// Timing: every lookup hashes the presented key and does exactly one 32-byte constant-time comparison (against
/// a random decoy when no stored hash shares the prefix), so a response's timing does not tell whether a key
/// exists. The probe sequence depends only on the hash of what the caller sent, which tells them nothing about
/// stored keys they could use: a SHA-256 cannot be turned back into a key.
/// </remarks>
internal sealed class ApiKeyStore
{
    private const int HashLength = 32;

    private readonly ApiKeyEntry[] _entries;
    private readonly int[] _slots;
    private readonly ulong[] _prefixes;
    private readonly int _mask;
    private readonly byte[] _decoy = RandomNumberGenerator.GetBytes(HashLength);
    private readonly FrozenDictionary<string, CompiledConsumer> _byId;

    private ApiKeyStore(CompiledConsumer[] consumers, ApiKeyEntry[] entries)
    {
        Consumers = consumers;
        _entries = entries;
        _byId = consumers.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);

        // At most half full: a miss ends on an empty slot after about two probes.
        var size = (int)Math.Max(2, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, entries.Length * 2)));
        _slots = new int[size];
        _prefixes = new ulong[size];
        _mask = size - 1;
        for (var e = 0; e < entries.Length; e++)
        {
            var prefix = BinaryPrimitives.ReadUInt64LittleEndian(entries[e].Hash);
            var i = (int)prefix & _mask;
            while (_slots[i] != 0)
            {
                i = (i + 1) & _mask;
            }

            _slots[i] = e + 1;
            _prefixes[i] = prefix;
        }
    }

    public static ApiKeyStore Empty { get; } = Compile(new GatewayConfig());

    public IReadOnlyList<CompiledConsumer> Consumers { get; }

    public int KeyCount => _entries.Length;

    /// <summary>Builds the store from a validated config (unique consumer ids and key hashes, known plans).</summary>
    public static ApiKeyStore Compile(GatewayConfig config)
    {
        var planIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < config.Plans.Count; i++)
        {
            planIndex.TryAdd(config.Plans[i].Id, i);
        }

        var consumers = new List<CompiledConsumer>(config.Consumers.Count);
        var entries = new List<ApiKeyEntry>();
        var seenHashes = new HashSet<string>(StringComparer.Ordinal);
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var consumerConfig in config.Consumers)
        {
            if (!seenIds.Add(consumerConfig.Id))
            {
                continue;
            }

            var plan = consumerConfig.Plan is { } planId && planIndex.TryGetValue(planId, out var index) ? index : -1;
            var consumer = new CompiledConsumer(consumerConfig, plan, EffectiveQuotas(plan >= 0 ? config.Plans[plan] : null, consumerConfig), ApiGrants(config, consumerConfig));
            consumers.Add(consumer);
            foreach (var key in consumerConfig.Keys)
            {
                if (key.KeySha256.Length == HashLength * 2 && seenHashes.Add(key.KeySha256))
                {
                    entries.Add(new ApiKeyEntry(Convert.FromHexString(key.KeySha256), key.Id,
                        key.ExpiresAt?.UtcTicks ?? long.MaxValue, key.Revoked, consumer));
                }
            }
        }

        return new ApiKeyStore([.. consumers], [.. entries]);
    }

    /// <summary>The consumer's <c>apis</c> as one flag per API of the config; null when it may call every API.</summary>
    private static bool[]? ApiGrants(GatewayConfig config, ConsumerConfig consumer)
    {
        if (consumer.Apis.Count == 0)
        {
            return null;
        }

        var grants = new bool[config.Apis.Count];
        for (var i = 0; i < grants.Length; i++)
        {
            grants[i] = consumer.Apis.AsSpan().Contains(config.Apis[i].Id);
        }

        return grants;
    }

    public CompiledConsumer? FindConsumer(string id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// Looks up the key exactly as presented (the header or query value's bytes). Empty is
    /// <see cref="ApiKeyOutcome.Missing"/>; <paramref name="now"/> decides expiry (the coarse clock is precise enough).
    /// </summary>
    public ApiKeyResult Lookup(ReadOnlySpan<byte> presentedKey, DateTimeOffset now)
    {
        if (presentedKey.IsEmpty)
        {
            return new ApiKeyResult(ApiKeyOutcome.Missing, null);
        }

        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(presentedKey, hash);
        return LookupHash(hash, now.UtcTicks);
    }

    internal ApiKeyResult LookupHash(ReadOnlySpan<byte> hash, long nowUtcTicks)
    {
        var prefix = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        ApiKeyEntry? match = null;
        var compared = false;
        for (var i = (int)prefix & _mask; _slots[i] != 0; i = (i + 1) & _mask)
        {
            if (_prefixes[i] != prefix)
            {
                continue;
            }

            var entry = _entries[_slots[i] - 1];
            compared = true;
            if (ConstantTime.Equals(entry.Hash, hash))
            {
                match = entry;
                break;
            }
        }

        if (!compared)
        {
            ConstantTime.Equals(_decoy, hash);
        }

        if (match is null)
        {
            return new ApiKeyResult(ApiKeyOutcome.Unknown, null);
        }

        var outcome = match.Revoked ? ApiKeyOutcome.Revoked
            : nowUtcTicks >= match.ExpiresAtUtcTicks ? ApiKeyOutcome.Expired
            : !match.Consumer.Enabled ? ApiKeyOutcome.ConsumerDisabled
            : ApiKeyOutcome.Ok;
        return new ApiKeyResult(outcome, match);
    }

    private static QuotaRule[] EffectiveQuotas(PlanConfig? plan, ConsumerConfig consumer)
    {
        var byPeriod = new SortedDictionary<QuotaPeriod, long>();
        foreach (var quota in plan?.Quotas ?? EquatableArray<QuotaConfig>.Empty)
        {
            byPeriod[quota.Period] = quota.Limit;
        }

        foreach (var quota in consumer.Quotas)
        {
            byPeriod[quota.Period] = quota.Limit;
        }

        return [.. byPeriod.Select(p => new QuotaRule(p.Key, p.Value))];
    }
}
