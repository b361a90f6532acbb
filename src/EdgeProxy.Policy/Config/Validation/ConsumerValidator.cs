using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// <c>[[consumers]]</c>: ids, plan references, tags, quota overrides and keys. A key hash may belong to one
/// consumer only: the gateway finds the consumer by the hash, so a shared hash would make the caller ambiguous.
/// </summary>
internal sealed class ConsumerValidator : IConfigValidator
{
    private const string Section = "[[consumers]]";
    private const string KeySection = "[[consumers.keys]]";

    public void Validate(ValidationContext context)
    {
        var planIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in context.Config.Plans)
        {
            planIds.Add(plan.Id);
        }

        var apiIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var api in context.Config.Apis)
        {
            apiIds.Add(api.Id);
        }

        var hashes = new Dictionary<string, (ApiKeyConfig Key, ConsumerConfig Consumer)>(StringComparer.Ordinal);
        foreach (var consumer in context.Config.Consumers)
        {
            var p = context.Of(consumer);
            Checks.Id(context, p, "id", Section, consumer.Id);
            ValidatePlan(context, consumer, p, planIds);
            Checks.Tags(context, p, consumer.Tags, Section, Checks.Name("consumer", consumer.Id));
            ValidateApis(context, consumer, p, apiIds);
            RateLimitChecks.Quotas(context, consumer.Quotas, "[[consumers.quotas]]", Checks.Name("consumer", consumer.Id));
            Checks.Text(context, p, "name", Section, consumer.Name);

            var keyIds = new Dictionary<string, ApiKeyConfig>(StringComparer.Ordinal);
            foreach (var key in consumer.Keys)
            {
                ValidateKey(context, consumer, key, keyIds, hashes);
            }
        }

        Checks.Unique(context, context.Config.Consumers, c => c.Id, "id", "consumer id", StringComparer.Ordinal);
    }

    private static void ValidatePlan(ValidationContext context, ConsumerConfig consumer, RecordPositions p, HashSet<string> planIds)
    {
        if (consumer.Plan is not { } plan || !Checks.Required(context, p, "plan", Section, plan) || !context.IsComplete || planIds.Contains(plan))
        {
            return;
        }

        var hint = KeySuggester.Nearest(plan, planIds) is { } nearest ? $"; did you mean '{nearest}'?" : "";
        context.Error(p.Value("plan"), $"{Checks.Name("consumer", consumer.Id)} is on plan '{plan}', which no [[plans]] entry defines{hint}");
    }

    private static void ValidateApis(ValidationContext context, ConsumerConfig consumer, RecordPositions p, HashSet<string> apiIds)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < consumer.Apis.Count; i++)
        {
            var api = consumer.Apis[i];
            if (!seen.Add(api))
            {
                context.Error(p.Item("apis", i), $"API \"{api}\" appears twice in 'apis' of {Checks.Name("consumer", consumer.Id)}");
            }
            else if (context.IsComplete && !apiIds.Contains(api))
            {
                var hint = KeySuggester.Nearest(api, apiIds) is { } nearest ? $"; did you mean '{nearest}'?" : "";
                context.Error(p.Item("apis", i), $"{Checks.Name("consumer", consumer.Id)} may call API '{api}', which no [[apis]] entry defines{hint}");
            }
        }
    }

    private static void ValidateKey(ValidationContext context, ConsumerConfig consumer, ApiKeyConfig key,
        Dictionary<string, ApiKeyConfig> keyIds, Dictionary<string, (ApiKeyConfig Key, ConsumerConfig Consumer)> hashes)
    {
        var k = context.Of(key);
        if (key.Id is { } id)
        {
            if (!IdSyntax.IsValid(id))
            {
                context.Error(k.Value("id"), $"'id' in {KeySection} may contain only {IdSyntax.Rule}, found \"{id}\"");
            }
            else if (keyIds.TryGetValue(id, out var first))
            {
                context.Error(k.Value("id"), $"key id \"{id}\" appears twice in {Checks.Name("consumer", consumer.Id)} (first at {context.Of(first).Value("id")})");
            }
            else
            {
                keyIds.Add(id, key);
            }
        }

        if (Checks.Required(context, k, "key_sha256", KeySection, key.KeySha256))
        {
            if (KeyHashProblem(key.KeySha256) is { } problem)
            {
                // The value is not quoted back: if someone pasted the key itself here, the error must not log it.
                context.Error(k.Value("key_sha256"), $"'key_sha256' in {KeySection} {problem}; `edgeproxy keys new` prints a key with its hash, and the key itself never goes in a file");
            }
            else if (hashes.TryGetValue(key.KeySha256, out var first))
            {
                context.Error(k.Value("key_sha256"), $"this key_sha256 is already a key of {Checks.Name("consumer", first.Consumer.Id)} at {context.Of(first.Key).Value("key_sha256")}; a key identifies exactly one consumer");
            }
            else
            {
                hashes.Add(key.KeySha256, (key, consumer));
            }
        }

        if (key.CreatedAt is { } created && key.ExpiresAt is { } expires && expires <= created)
        {
            context.Error(k.Value("expires_at"), $"'expires_at' in {KeySection} ({TimestampParser.Format(expires)}) must be after 'created_at' ({TimestampParser.Format(created)})");
        }
    }

    private static string? KeyHashProblem(string hash)
    {
        if (hash.Length != 64)
        {
            return $"must be 64 hexadecimal digits (a SHA-256), found {hash.Length} characters";
        }

        foreach (var c in hash)
        {
            if (char.IsAsciiHexDigitUpper(c) && !char.IsAsciiDigit(c))
            {
                return "must be written in lowercase hexadecimal";
            }

            if (!char.IsAsciiHexDigitLower(c))
            {
                return "must hold only hexadecimal digits 0-9 and a-f";
            }
        }

        return null;
    }
}
