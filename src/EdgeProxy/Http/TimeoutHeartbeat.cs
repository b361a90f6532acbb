namespace EdgeProxy.Http;

/// <summary>
/// The one clock behind every <see cref="ExchangeTimer"/>, as Kestrel's heartbeat is behind its connection timeouts:
/// every <see cref="Interval"/> it sweeps the registered timers and cancels those past their deadline, so a timeout
/// fires up to one interval late and arming one costs two writes. Timers register on their first arm and leave on
/// disposal; the registry is an array with swap-remove, touched once per connection, not per request.
/// </summary>
internal static class TimeoutHeartbeat
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private static readonly Lock Gate = new();
    private static readonly List<CancellationTokenSource> Expired = [];
    private static ExchangeTimer?[] s_timers = new ExchangeTimer?[256];
    private static int s_count;
    private static Timer? s_clock;
    private static int s_sweeping;

    public static void Register(ExchangeTimer timer)
    {
        lock (Gate)
        {
            if (timer.Slot >= 0)
            {
                return;
            }

            if (s_count == s_timers.Length)
            {
                Array.Resize(ref s_timers, s_timers.Length * 2);
            }

            timer.Slot = s_count;
            s_timers[s_count++] = timer;
            s_clock ??= new Timer(static _ => Sweep(), null, Interval, Interval);
        }
    }

    public static void Unregister(ExchangeTimer timer)
    {
        lock (Gate)
        {
            var slot = timer.Slot;
            if (slot < 0)
            {
                return;
            }

            var last = s_timers[--s_count]!;
            s_timers[slot] = last;
            last.Slot = slot;
            s_timers[s_count] = null;
            timer.Slot = -1;
        }
    }

    private static void Sweep()
    {
        // A sweep that outlasts the interval (a cancellation callback that ran long) is not overlapped by the next.
        if (Interlocked.Exchange(ref s_sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            var now = Environment.TickCount64;
            lock (Gate)
            {
                for (var i = 0; i < s_count; i++)
                {
                    if (s_timers[i]!.TryExpire(now) is { } cts)
                    {
                        Expired.Add(cts);
                    }
                }
            }

            // Cancelling runs the waiters' callbacks, so it happens outside the lock.
            foreach (var cts in Expired)
            {
                cts.Cancel();
            }

            Expired.Clear();
        }
        finally
        {
            Volatile.Write(ref s_sweeping, 0);
        }
    }
}
