namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// The request-time step (STYLE pattern 7): walks the route's precompiled limits and the consumer's plan limits,
/// takes one token from each, and reports every limit's state for the headers. A request refused by an enforced
/// limit gets back the tokens the limits before it took, so callers over one limit do not drain the others.
/// Shadow limits count what they would refuse and never refuse.
/// </summary>
internal static class RateLimitEvaluator
{
    /// <param name="routeLimits">The route's limits, in declaration order.</param>
    /// <param name="planLimits">The authenticated consumer's plan limits; empty without a consumer.</param>
    /// <param name="clientAddress">Partition bytes of the client address (<see cref="ClientAddressKey"/>).</param>
    /// <param name="consumer">The consumer id's UTF-8 bytes; empty when the request is anonymous.</param>
    /// <param name="now">A timestamp of the table's clock.</param>
    /// <param name="statuses">Receives one status per limit evaluated (as many as fit).</param>
    public static RateLimitVerdict Evaluate(ReadOnlySpan<RateLimit> routeLimits, ReadOnlySpan<RateLimit> planLimits,
        ReadOnlySpan<byte> clientAddress, ReadOnlySpan<byte> consumer, long now, Span<LimitStatus> statuses)
    {
        ulong taken = 0;
        var count = 0;
        var total = routeLimits.Length + planLimits.Length;
        for (var i = 0; i < total; i++)
        {
            var limit = i < routeLimits.Length ? routeLimits[i] : planLimits[i - routeLimits.Length];
            var partition = limit.Partition switch
            {
                RateLimitPartition.None => default,
                RateLimitPartition.ClientAddress => clientAddress,
                _ => consumer,
            };
            if (partition.IsEmpty && limit.Partition != RateLimitPartition.None)
            {
                continue; // nothing to key the bucket by (no consumer): the limit does not apply
            }

            var result = limit.Take(partition, now);
            var refuses = !result.Allowed && !limit.IsShadow;
            limit.Counters.Count(result.Allowed, refuses);
            if (count < statuses.Length)
            {
                statuses[count++] = LimitStatus.From(limit, result, limit.Table.Frequency);
            }

            if (result.Allowed && i < 64)
            {
                taken |= 1UL << i;
            }

            if (refuses)
            {
                Refund(routeLimits, planLimits, clientAddress, consumer, taken);
                return new RateLimitVerdict(false, count, result.RetryAfterTicks, limit);
            }
        }

        return new RateLimitVerdict(true, count, 0, null);
    }

    private static void Refund(ReadOnlySpan<RateLimit> routeLimits, ReadOnlySpan<RateLimit> planLimits,
        ReadOnlySpan<byte> clientAddress, ReadOnlySpan<byte> consumer, ulong taken)
    {
        for (var i = 0; taken != 0; i++, taken >>= 1)
        {
            if ((taken & 1) == 0)
            {
                continue;
            }

            var limit = i < routeLimits.Length ? routeLimits[i] : planLimits[i - routeLimits.Length];
            limit.Refund(limit.Partition switch
            {
                RateLimitPartition.None => default,
                RateLimitPartition.ClientAddress => clientAddress,
                _ => consumer,
            });
        }
    }
}
