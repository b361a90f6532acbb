using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>
/// Whether the policy library knows <c>apis = [...]</c> on a consumer (the lifecycle work adds it). Until it does,
/// writing the field would make the gateway refuse the file, so the manager leaves it out and a subscription's
/// key is not yet restricted to its API at the gateway.
/// </summary>
internal static class ConsumerSchema
{
    public static readonly bool HasApis = typeof(ConsumerConfig).GetProperty("Apis") is not null;
}
