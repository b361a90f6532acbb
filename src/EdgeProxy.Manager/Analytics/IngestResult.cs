namespace EdgeProxy.Manager.Analytics;

/// <summary>What storing a batch did: stored it, or found its (gateway, instance, sequence) already stored.</summary>
public enum IngestResult
{
    Stored,
    Replayed,
}
