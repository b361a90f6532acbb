namespace EdgeProxy.Http;

/// <summary>Which wait a timeout interrupted; decides between 408, 504 and a silent close.</summary>
internal enum TimerPhase : byte
{
    None,
    KeepAlive,
    RequestHead,
    RequestBody,
    Connect,
    ResponseHead,
    ResponseBody,
    Tunnel,
}

/// <summary>
/// One reusable timeout per connection: each wait arms it for its own phase. A <see cref="CancellationTokenSource"/>
/// reused through <c>TryReset</c> keeps its timer, so arming costs no allocation once warm.
/// </summary>
internal sealed class ExchangeTimer : IDisposable
{
    private CancellationTokenSource _cts = new();
    private long _deadline;

    public TimerPhase Phase { get; private set; }

    public CancellationToken Token => _cts.Token;

    public bool Fired => _cts.IsCancellationRequested;

    /// <summary>Sets an absolute limit for the whole exchange on top of the per-phase ones (zero: none).</summary>
    public void SetTotal(TimeSpan total) =>
        _deadline = total > TimeSpan.Zero ? Environment.TickCount64 + (long)total.TotalMilliseconds : 0;

    public void Arm(TimerPhase phase, TimeSpan timeout)
    {
        Phase = phase;
        var ms = timeout > TimeSpan.Zero ? (long)timeout.TotalMilliseconds : long.MaxValue;
        if (_deadline != 0)
        {
            ms = Math.Min(ms, Math.Max(1, _deadline - Environment.TickCount64));
        }

        _cts.CancelAfter(ms >= int.MaxValue ? Timeout.Infinite : (int)ms);
    }

    /// <summary>True when the timeout that fired was the whole-exchange deadline rather than the phase's own.</summary>
    public bool TotalExpired => _deadline != 0 && Environment.TickCount64 >= _deadline;

    public void Disarm()
    {
        Phase = TimerPhase.None;
        _deadline = 0;
        if (!_cts.TryReset())
        {
            _cts.Dispose();
            _cts = new CancellationTokenSource();
        }
    }

    public void Dispose() => _cts.Dispose();
}
