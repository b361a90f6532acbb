using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Quotas;

/// <summary>One effective quota of a consumer: the plan's, or the consumer's override for that period.</summary>
internal readonly record struct QuotaRule(QuotaPeriod Period, long Limit);
