using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies.Quotas;

/// <summary>
/// UTC calendar arithmetic for quotas: each period has an index counted from 2000-01-01T00:00Z (minutes, hours,
/// days, or months), so "same period" is an integer comparison and rollover needs no timer.
/// </summary>
internal static class QuotaPeriods
{
    public static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const int Count = 4;

    public static long Index(QuotaPeriod period, DateTimeOffset now)
    {
        var ticks = now.UtcTicks - Epoch.UtcTicks;
        return period switch
        {
            QuotaPeriod.Minute => ticks / TimeSpan.TicksPerMinute,
            QuotaPeriod.Hour => ticks / TimeSpan.TicksPerHour,
            QuotaPeriod.Day => ticks / TimeSpan.TicksPerDay,
            _ => MonthIndex(now.UtcDateTime),
        };
    }

    public static DateTimeOffset Start(QuotaPeriod period, long index) => period switch
    {
        QuotaPeriod.Minute => Epoch.AddTicks(index * TimeSpan.TicksPerMinute),
        QuotaPeriod.Hour => Epoch.AddTicks(index * TimeSpan.TicksPerHour),
        QuotaPeriod.Day => Epoch.AddTicks(index * TimeSpan.TicksPerDay),
        _ => Epoch.AddMonths((int)index),
    };

    /// <summary>The first instant of the next period: when a quota of this period resets.</summary>
    public static DateTimeOffset End(QuotaPeriod period, long index) => Start(period, index + 1);

    /// <summary>Whole seconds from <paramref name="now"/> to the end of its period (at least 1).</summary>
    public static long SecondsUntilEnd(QuotaPeriod period, DateTimeOffset now)
    {
        var ticks = (End(period, Index(period, now)) - now).Ticks;
        return Math.Max(1, ((ticks - 1) / TimeSpan.TicksPerSecond) + 1);
    }

    /// <summary>Length of the period containing <paramref name="now"/>, in seconds (months vary).</summary>
    public static long WindowSeconds(QuotaPeriod period, DateTimeOffset now)
    {
        var index = Index(period, now);
        return (long)(End(period, index) - Start(period, index)).TotalSeconds;
    }

    public static string Name(QuotaPeriod period) => period switch
    {
        QuotaPeriod.Minute => "minute",
        QuotaPeriod.Hour => "hour",
        QuotaPeriod.Day => "day",
        _ => "month",
    };

    public static bool TryParse(string? name, out QuotaPeriod period)
    {
        period = name switch
        {
            "minute" => QuotaPeriod.Minute,
            "hour" => QuotaPeriod.Hour,
            "day" => QuotaPeriod.Day,
            "month" => QuotaPeriod.Month,
            _ => (QuotaPeriod)(-1),
        };
        return (int)period >= 0;
    }

    private static long MonthIndex(DateTime utc) => ((utc.Year - 2000) * 12L) + utc.Month - 1;
}
