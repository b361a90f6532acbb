using System.Runtime.CompilerServices;
using System.Text;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Quotas;

/// <summary>
/// One consumer's request counts for the current minute, hour, day and month. Each count shares a 64-bit word
/// with the index of the period it belongs to (26 bits of period index, good until 2127; 37 bits of count; the
/// sign bit stays clear), so checking the limit, rolling over to a new period and counting are one
/// compare-and-swap, with no lock and no timer. Every period is counted (usage for billing) whether or not the
/// consumer's plan limits it.
/// </summary>
internal sealed class ConsumerQuota
{
    internal const int CountBits = 37;
    internal const long CountMask = (1L << CountBits) - 1;
    internal const long IndexMask = (1L << (64 - CountBits - 1)) - 1;

    private static readonly byte[][] HeaderNames =
    [
        Encoding.ASCII.GetBytes("\"quota-minute\""),
        Encoding.ASCII.GetBytes("\"quota-hour\""),
        Encoding.ASCII.GetBytes("\"quota-day\""),
        Encoding.ASCII.GetBytes("\"quota-month\""),
    ];

    private Counters _counters;

    public ConsumerQuota(string consumerId)
    {
        ConsumerId = consumerId;
    }

    public string ConsumerId { get; }

    /// <summary>
    /// Counts <paramref name="cost"/> requests in every period, unless one of <paramref name="rules"/> would go
    /// over its limit; then nothing is counted. Statuses of the limited periods go to <paramref name="statuses"/>.
    /// </summary>
    public QuotaVerdict TryConsume(ReadOnlySpan<QuotaRule> rules, DateTimeOffset now, Span<LimitStatus> statuses, long cost = 1)
    {
        Span<long> indexes = stackalloc long[QuotaPeriods.Count];
        Span<long> counts = stackalloc long[QuotaPeriods.Count];
        for (var p = 0; p < QuotaPeriods.Count; p++)
        {
            var period = (QuotaPeriod)p;
            var index = QuotaPeriods.Index(period, now) & IndexMask;
            var limit = LimitOf(rules, period);
            if (!TryIncrement(ref _counters[p], index, limit, cost, out indexes[p], out counts[p]))
            {
                for (var q = 0; q < p; q++)
                {
                    Decrement(ref _counters[q], indexes[q], cost);
                }

                var written = 0;
                if (statuses.Length > 0)
                {
                    statuses[written++] = Status(period, limit, counts[p], now, limited: true);
                }

                return new QuotaVerdict(false, written, period, QuotaPeriods.SecondsUntilEnd(period, now));
            }
        }

        var count = 0;
        foreach (var rule in rules)
        {
            if (count < statuses.Length)
            {
                statuses[count++] = Status(rule.Period, rule.Limit, counts[(int)rule.Period], now, limited: false);
            }
        }

        return new QuotaVerdict(true, count, default, 0);
    }

    /// <summary>Requests counted in the period containing <paramref name="now"/>.</summary>
    public long Used(QuotaPeriod period, DateTimeOffset now)
    {
        var state = Volatile.Read(ref _counters[(int)period]);
        return (state >> CountBits) == (QuotaPeriods.Index(period, now) & IndexMask) ? state & CountMask : 0;
    }

    /// <summary>The raw (period index, count) of one period, for snapshots.</summary>
    internal (long Index, long Count) Read(QuotaPeriod period)
    {
        var state = Volatile.Read(ref _counters[(int)period]);
        return (state >> CountBits, state & CountMask);
    }

    /// <summary>
    /// Adds <paramref name="delta"/> (which may be negative) to one period's count if the counter still holds period
    /// <paramref name="index"/>: cluster mode folds other gateways' counts in this way. False when the period moved on.
    /// </summary>
    internal bool TryAdjust(QuotaPeriod period, long index, long delta)
    {
        ref var slot = ref _counters[(int)period];
        while (true)
        {
            var seen = Volatile.Read(ref slot);
            if ((seen >> CountBits) != index)
            {
                return false;
            }

            var count = Math.Clamp((seen & CountMask) + delta, 0, CountMask);
            if (Interlocked.CompareExchange(ref slot, (index << CountBits) | count, seen) == seen)
            {
                return true;
            }
        }
    }

    /// <summary>Per period, the (index, count) this counter last agreed with the cluster on; used only by the sync loop.</summary>
    internal (long Index, long Count)[] Synced { get; } = new (long, long)[QuotaPeriods.Count];

    /// <summary>Restores a snapshotted count, unless this counter already holds a newer period.</summary>
    internal void Restore(QuotaPeriod period, long index, long count)
    {
        index &= IndexMask;
        count = Math.Clamp(count, 0, CountMask);
        ref var slot = ref _counters[(int)period];
        while (true)
        {
            var seen = Volatile.Read(ref slot);
            if (seen != 0 && (seen >> CountBits) > index)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref slot, (index << CountBits) | count, seen) == seen)
            {
                return;
            }
        }
    }

    private static long LimitOf(ReadOnlySpan<QuotaRule> rules, QuotaPeriod period)
    {
        foreach (var rule in rules)
        {
            if (rule.Period == period)
            {
                return rule.Limit;
            }
        }

        return CountMask;
    }

    private static bool TryIncrement(ref long slot, long index, long limit, long cost, out long usedIndex, out long count)
    {
        while (true)
        {
            var seen = Volatile.Read(ref slot);
            var seenIndex = seen >> CountBits;
            var current = seen & CountMask;

            // A caller whose clock read is a moment older than another's counts into the newer period rather
            // than resetting it; an older period is over, so counting starts again from zero.
            if (seenIndex < index)
            {
                current = 0;
                seenIndex = index;
            }

            usedIndex = seenIndex;
            if (current + cost > Math.Min(limit, CountMask))
            {
                count = current;
                return false;
            }

            count = current + cost;
            if (Interlocked.CompareExchange(ref slot, (seenIndex << CountBits) | count, seen) == seen)
            {
                return true;
            }
        }
    }

    private static void Decrement(ref long slot, long index, long cost)
    {
        while (true)
        {
            var seen = Volatile.Read(ref slot);
            if ((seen >> CountBits) != index || (seen & CountMask) < cost)
            {
                return; // the period rolled over meanwhile: nothing of ours left to take back
            }

            if (Interlocked.CompareExchange(ref slot, seen - cost, seen) == seen)
            {
                return;
            }
        }
    }

    private static LimitStatus Status(QuotaPeriod period, long limit, long count, DateTimeOffset now, bool limited) =>
        new(HeaderNames[(int)period], limit, QuotaPeriods.WindowSeconds(period, now), Math.Max(0, limit - count),
            QuotaPeriods.SecondsUntilEnd(period, now), limited);

    [InlineArray(QuotaPeriods.Count)]
    private struct Counters
    {
        private long _element;
    }
}
