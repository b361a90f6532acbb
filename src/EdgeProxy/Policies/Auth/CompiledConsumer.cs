using System.Text;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Auth;

/// <summary>A consumer as the request path uses it: id bytes ready to key buckets and to forward, effective quotas.</summary>
internal sealed class CompiledConsumer
{
    public CompiledConsumer(ConsumerConfig config, int planIndex, QuotaRule[] quotas, bool[]? apiGrants = null)
    {
        ApiGrants = apiGrants;
        IsTester = config.Tags.AsSpan().Contains(TesterTag);
        Config = config;
        Id = config.Id;
        IdUtf8 = Encoding.UTF8.GetBytes(config.Id);
        AnalyticsName = Analytics.AnalyticsNames.Intern(config.Id);
        PlanIndex = planIndex;
        Quotas = quotas;
    }

    public ConsumerConfig Config { get; }

    public string Id { get; }

    /// <summary>The id's bytes: the partition of per-consumer buckets and the forwarded consumer header's value.</summary>
    public byte[] IdUtf8 { get; }

    /// <summary>The id as an analytics name id.</summary>
    public int AnalyticsName { get; }

    public bool Enabled => Config.Enabled;

    /// <summary>Index of the consumer's plan in <see cref="GatewayConfig.Plans"/> (and so in <c>CompiledRateLimits.Plans</c>); -1 for none.</summary>
    public int PlanIndex { get; }

    /// <summary>The plan's quotas with the consumer's overrides applied, ordered by period.</summary>
    public QuotaRule[] Quotas { get; }

    /// <summary>Consumers with this tag may call draft API versions.</summary>
    public const string TesterTag = "tester";

    /// <summary>May call routes of draft API versions.</summary>
    public bool IsTester { get; }

    /// <summary>Indexed by API (order of <see cref="GatewayConfig.Apis"/>): which APIs the consumer may call; null: all of them.</summary>
    public bool[]? ApiGrants { get; }

    /// <summary>False when the consumer's grants leave out the API at <paramref name="apiIndex"/> (-1: a route of no API, always allowed).</summary>
    public bool MayCall(int apiIndex) => apiIndex < 0 || ApiGrants is not { } grants || grants[apiIndex];

    public override string ToString() => Id;
}
