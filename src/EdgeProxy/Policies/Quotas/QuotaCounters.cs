using System.Collections.Concurrent;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Quotas;

/// <summary>
/// Quota counts of every consumer, keyed by consumer id: long-lived runtime state outside the snapshot, so a
/// reload (or a plan change) never resets what a consumer has used.
/// </summary>
internal sealed class QuotaCounters
{
    private readonly ConcurrentDictionary<string, ConsumerQuota> _byConsumer = new(StringComparer.Ordinal);

    public int Count => _byConsumer.Count;

    /// <summary>The consumer's counters, created on first use (no allocation afterwards).</summary>
    public ConsumerQuota For(string consumerId) => _byConsumer.GetOrAdd(consumerId, static id => new ConsumerQuota(id));

    public bool TryGet(string consumerId, out ConsumerQuota quota) => _byConsumer.TryGetValue(consumerId, out quota!);

    /// <summary>Every consumer with counters (for the cluster sync loop; a snapshot-free enumeration).</summary>
    public IEnumerable<ConsumerQuota> All => _byConsumer.Values;

    /// <summary>Current-period usage of one consumer, with the limits of <paramref name="rules"/>.</summary>
    public ConsumerUsage Usage(string consumerId, ReadOnlySpan<QuotaRule> rules, DateTimeOffset now)
    {
        _byConsumer.TryGetValue(consumerId, out var quota);
        var periods = new List<PeriodUsage>(QuotaPeriods.Count);
        for (var p = 0; p < QuotaPeriods.Count; p++)
        {
            var period = (QuotaPeriod)p;
            var index = QuotaPeriods.Index(period, now);
            long? limit = null;
            foreach (var rule in rules)
            {
                if (rule.Period == period)
                {
                    limit = rule.Limit;
                }
            }

            periods.Add(new PeriodUsage
            {
                Period = QuotaPeriods.Name(period),
                Start = QuotaPeriods.Start(period, index),
                ResetsAt = QuotaPeriods.End(period, index),
                Used = quota?.Used(period, now) ?? 0,
                Limit = limit,
            });
        }

        return new ConsumerUsage { Consumer = consumerId, At = now, Periods = periods };
    }

    /// <summary>Everything worth keeping: counts of periods that have not ended at <paramref name="now"/>.</summary>
    public QuotaSnapshotFile Capture(DateTimeOffset now)
    {
        var consumers = new List<QuotaSnapshotConsumer>();
        foreach (var (id, quota) in _byConsumer)
        {
            var counters = new List<QuotaSnapshotCounter>(QuotaPeriods.Count);
            for (var p = 0; p < QuotaPeriods.Count; p++)
            {
                var period = (QuotaPeriod)p;
                var (index, count) = quota.Read(period);
                if (count > 0 && index == (QuotaPeriods.Index(period, now) & ConsumerQuota.IndexMask))
                {
                    counters.Add(new QuotaSnapshotCounter { Period = QuotaPeriods.Name(period), Start = QuotaPeriods.Start(period, index), Count = count });
                }
            }

            if (counters.Count > 0)
            {
                consumers.Add(new QuotaSnapshotConsumer { Id = id, Counters = counters });
            }
        }

        consumers.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return new QuotaSnapshotFile { SavedAt = now, Consumers = consumers };
    }

    /// <summary>Loads counts from a snapshot (at start-up, before traffic); counts of ended periods are dropped when next used.</summary>
    public int Restore(QuotaSnapshotFile snapshot)
    {
        var restored = 0;
        foreach (var consumer in snapshot.Consumers)
        {
            if (string.IsNullOrEmpty(consumer.Id))
            {
                continue;
            }

            var quota = For(consumer.Id);
            foreach (var counter in consumer.Counters)
            {
                if (QuotaPeriods.TryParse(counter.Period, out var period))
                {
                    quota.Restore(period, QuotaPeriods.Index(period, counter.Start), counter.Count);
                }
            }

            restored++;
        }

        return restored;
    }

    /// <summary>Drops consumers with nothing counted in any current period (removed consumers, idle ones).</summary>
    public int Prune(DateTimeOffset now)
    {
        var pruned = 0;
        foreach (var (id, quota) in _byConsumer)
        {
            var idle = true;
            for (var p = 0; p < QuotaPeriods.Count && idle; p++)
            {
                idle = quota.Used((QuotaPeriod)p, now) == 0;
            }

            if (idle && _byConsumer.TryRemove(KeyValuePair.Create(id, quota)))
            {
                pruned++;
            }
        }

        return pruned;
    }
}
