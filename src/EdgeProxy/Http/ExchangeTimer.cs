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
/// One reusable timeout per connection: each wait arms it for its own phase. Arming only writes a deadline and a
/// generation; <see cref="TimeoutHeartbeat"/> sweeps the armed timers a few times a second and cancels the token of
/// those past their deadline. A per-wait .NET timer (<c>CancelAfter</c>) took the timer queue's lock on every arm,
/// which was once per request phase and once per body chunk, on every core at once.
/// </summary>
internal sealed class ExchangeTimer : IDisposable
{
    /// <summary><see cref="_state"/> when nothing is armed.</summary>
    private const long Disarmed = 0;

    /// <summary><see cref="_state"/> once the heartbeat has taken an expired arm: its token is (about to be) cancelled.</summary>
    private const long Claimed = -1;

    private CancellationTokenSource _cts = new();
    private long _state;
    private long _generation;
    private long _expiresAt;
    private long _deadline;

    public TimerPhase Phase { get; private set; }

    public CancellationToken Token => _cts.Token;

    public bool Fired => _cts.IsCancellationRequested;

    /// <summary>The heartbeat's index of this timer while registered, -1 otherwise; owned by the heartbeat.</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>Sets an absolute limit for the whole exchange on top of the per-phase ones (zero: none).</summary>
    public void SetTotal(TimeSpan total) =>
        _deadline = total > TimeSpan.Zero ? Environment.TickCount64 + (long)total.TotalMilliseconds : 0;

    public void Arm(TimerPhase phase, TimeSpan timeout)
    {
        Phase = phase;
        var now = Environment.TickCount64;
        var expiresAt = timeout > TimeSpan.Zero ? now + (long)timeout.TotalMilliseconds : long.MaxValue;
        if (_deadline != 0 && _deadline < expiresAt)
        {
            expiresAt = _deadline;
        }

        if (expiresAt == long.MaxValue)
        {
            Stop();
            return;
        }

        if (Slot < 0)
        {
            TimeoutHeartbeat.Register(this);
        }

        Stop();
        _expiresAt = expiresAt;

        // Published last, so a heartbeat that reads this generation also reads its deadline and token source.
        Volatile.Write(ref _state, ++_generation);
    }

    /// <summary>True when the timeout that fired was the whole-exchange deadline rather than the phase's own.</summary>
    public bool TotalExpired => _deadline != 0 && Environment.TickCount64 >= _deadline;

    public void Disarm()
    {
        Phase = TimerPhase.None;
        _deadline = 0;
        Stop();
    }

    public void Dispose()
    {
        Stop();
        TimeoutHeartbeat.Unregister(this);
        _cts.Dispose();
    }

    /// <summary>
    /// Called by the heartbeat: claims the current arm when it is past its deadline and returns the source to
    /// cancel, or null. The claim is a compare-exchange on the generation, so an arm replaced meanwhile is never cancelled.
    /// </summary>
    internal CancellationTokenSource? TryExpire(long now)
    {
        var state = Volatile.Read(ref _state);
        if (state <= Disarmed || now < Volatile.Read(ref _expiresAt))
        {
            return null;
        }

        var cts = _cts;
        return Interlocked.CompareExchange(ref _state, Claimed, state) == state ? cts : null;
    }

    /// <summary>
    /// Takes the current arm back. Once the state is disarmed the heartbeat cannot claim it; if it already had, that
    /// source is cancelled (maybe later than now) and the next wait needs a fresh one.
    /// </summary>
    private void Stop()
    {
        if (Interlocked.Exchange(ref _state, Disarmed) == Claimed)
        {
            _cts = new CancellationTokenSource();
        }
    }
}
