namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// The outcome of one take from a token bucket. It keeps the raw bucket units; the numbers rate-limit headers
/// need (which cost integer divisions) are computed only when read, so a caller that wants just
/// <see cref="Allowed"/> pays for none of them.
/// </summary>
internal readonly struct TakeResult
{
    private readonly TokenBucketRate? _rate;
    private readonly long _left;
    private readonly long _need;

    internal TakeResult(bool allowed, TokenBucketRate rate, long left, long need)
    {
        Allowed = allowed;
        _rate = rate;
        _left = left;
        _need = need;
    }

    public bool Allowed { get; }

    /// <summary>Whole tokens left after this take.</summary>
    public long Remaining => _rate is null ? 0 : _left / _rate.TokenCost;

    /// <summary>Clock ticks until the bucket is full again if nobody takes.</summary>
    public long TicksUntilFull => _rate?.UnitsToTicks(_rate.BurstSpan - _left) ?? 0;

    /// <summary>
    /// Refused: clock ticks until the requested tokens are there (<see cref="long.MaxValue"/> when the request is
    /// larger than the bucket). Allowed: ticks until the next whole token when none remain, else 0.
    /// </summary>
    public long RetryAfterTicks
    {
        get
        {
            if (_rate is null)
            {
                return 0;
            }

            if (!Allowed)
            {
                return _need > _rate.BurstSpan ? long.MaxValue : _rate.UnitsToTicks(_need - _left);
            }

            return _left < _rate.TokenCost ? _rate.UnitsToTicks(_rate.TokenCost - _left) : 0;
        }
    }
}
