using EdgeProxy.Http;

namespace EdgeProxy.Tests.Http;

/// <summary>The heartbeat-driven connection timeout: fires once past its deadline, never for an arm taken back.</summary>
public sealed class ExchangeTimerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Armed_timer_cancels_its_token_after_the_timeout()
    {
        using var timer = new ExchangeTimer();
        var started = Environment.TickCount64;
        timer.Arm(TimerPhase.ResponseHead, TimeSpan.FromMilliseconds(150));
        var token = timer.Token;

        var fired = await WaitCancelledAsync(token, Bound);

        Assert.True(fired);
        Assert.True(timer.Fired);
        Assert.Equal(TimerPhase.ResponseHead, timer.Phase);
        Assert.True(Environment.TickCount64 - started >= 150, "fired before its deadline");
    }

    [Fact]
    public async Task Disarmed_timer_does_not_fire_and_its_token_is_reused()
    {
        using var timer = new ExchangeTimer();
        timer.Arm(TimerPhase.KeepAlive, TimeSpan.FromMilliseconds(100));
        var token = timer.Token;
        timer.Disarm();

        Assert.False(await WaitCancelledAsync(token, TimeSpan.FromMilliseconds(400)));
        Assert.False(timer.Fired);
        Assert.Equal(token, timer.Token);
    }

    [Fact]
    public async Task Rearming_moves_the_deadline()
    {
        using var timer = new ExchangeTimer();
        var token = timer.Token;
        for (var i = 0; i < 8; i++)
        {
            // Each re-arm comes well before the previous deadline, as a body copy re-arms per chunk.
            timer.Arm(TimerPhase.ResponseBody, TimeSpan.FromMilliseconds(300));
            await Task.Delay(60);
        }

        Assert.False(token.IsCancellationRequested);
        Assert.True(await WaitCancelledAsync(token, Bound));
    }

    [Fact]
    public async Task After_a_timeout_the_next_arm_gets_a_fresh_token()
    {
        using var timer = new ExchangeTimer();
        timer.Arm(TimerPhase.RequestBody, TimeSpan.FromMilliseconds(50));
        var expired = timer.Token;
        Assert.True(await WaitCancelledAsync(expired, Bound));

        timer.Arm(TimerPhase.ResponseHead, TimeSpan.FromSeconds(30));

        Assert.NotEqual(expired, timer.Token);
        Assert.False(timer.Token.IsCancellationRequested);
        Assert.False(timer.Fired);
    }

    [Fact]
    public async Task Total_deadline_caps_a_longer_phase_timeout()
    {
        using var timer = new ExchangeTimer();
        timer.SetTotal(TimeSpan.FromMilliseconds(100));
        timer.Arm(TimerPhase.ResponseHead, TimeSpan.FromSeconds(30));

        Assert.True(await WaitCancelledAsync(timer.Token, Bound));
        Assert.True(timer.TotalExpired);
    }

    [Fact]
    public async Task Many_timers_fire_independently()
    {
        var timers = new ExchangeTimer[200];
        try
        {
            for (var i = 0; i < timers.Length; i++)
            {
                timers[i] = new ExchangeTimer();
                timers[i].Arm(TimerPhase.KeepAlive, i % 2 == 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromMinutes(5));
            }

            // Dispose a few of the long ones mid-way: the registry's swap-remove must keep the others in place.
            for (var i = 1; i < 40; i += 2)
            {
                timers[i].Dispose();
            }

            for (var i = 0; i < timers.Length; i += 2)
            {
                Assert.True(await WaitCancelledAsync(timers[i].Token, Bound), $"timer {i} did not fire");
            }

            for (var i = 41; i < timers.Length; i += 2)
            {
                Assert.False(timers[i].Fired, $"timer {i} fired early");
            }
        }
        finally
        {
            foreach (var timer in timers)
            {
                timer?.Dispose();
            }
        }
    }

    private static async Task<bool> WaitCancelledAsync(CancellationToken token, TimeSpan within)
    {
        try
        {
            await Task.Delay(within, token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
