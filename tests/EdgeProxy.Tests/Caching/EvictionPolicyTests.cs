using EdgeProxy.Benchmarks.Caching;

namespace EdgeProxy.Tests.Caching;

/// <summary>The eviction policy's reason to exist, checked on a small deterministic run of the bench's simulation.</summary>
public sealed class EvictionPolicyTests
{
    private static readonly EvictionSimulation.Workload Plain = new("zipf", Keys: 20_000, Alpha: 0.9, Requests: 200_000, ScanEvery: 0, ScanLength: 0);
    private static readonly EvictionSimulation.Workload Scanned = Plain with { Name = "zipf + scans", ScanEvery = 10_000, ScanLength = 4_000 };

    [Fact]
    public void Sieve_beats_lru_on_zipf_with_scans()
    {
        var r = EvictionSimulation.Run(Scanned, 0.05);
        Assert.True(r.SieveHitRatio > r.LruHitRatio + 0.03, $"SIEVE {r.SieveHitRatio:P2} vs LRU {r.LruHitRatio:P2}");
    }

    [Fact]
    public void Scans_cost_sieve_less_than_they_cost_lru()
    {
        var plain = EvictionSimulation.Run(Plain, 0.05);
        var scanned = EvictionSimulation.Run(Scanned, 0.05);
        var sieveLoss = plain.SieveHitRatio - scanned.SieveHitRatio;
        var lruLoss = plain.LruHitRatio - scanned.LruHitRatio;
        Assert.True(sieveLoss < lruLoss, $"SIEVE lost {sieveLoss:P2}, LRU lost {lruLoss:P2}");
    }
}
