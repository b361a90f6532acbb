using System.Text.Json.Serialization;

namespace EdgeProxy.Policies.Quotas;

/// <summary>Source-generated JSON for quota snapshots and usage reports (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QuotaSnapshotFile))]
[JsonSerializable(typeof(ConsumerUsage))]
[JsonSerializable(typeof(List<ConsumerUsage>))]
internal sealed partial class QuotaJsonContext : JsonSerializerContext
{
}
