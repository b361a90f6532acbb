namespace EdgeProxy.Policy.Config;

/// <summary>
/// Config rates: a whole number of tokens per unit, <c>100/s</c>, <c>6000/min</c>, <c>1000/h</c>, <c>50000/day</c>,
/// or per duration, <c>5/10s</c>. The count is what the limit allows; the unit says how fast it comes back.
/// </summary>
public static class RateParser
{
    public const string Examples = "\"100/s\", \"6000/min\", \"1000/h\", \"50000/day\" or \"5/10s\"";

    public static bool TryParse(string? text, out long tokens, out TimeSpan period)
    {
        tokens = 0;
        period = default;
        var span = text.AsSpan();
        var slash = span.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var count = span[..slash].Trim();
        var unit = span[(slash + 1)..].Trim();
        if (count.IsEmpty || !IsDigits(count) || !long.TryParse(count, out tokens))
        {
            return false;
        }

        period = unit switch
        {
            "s" or "sec" or "second" => TimeSpan.FromSeconds(1),
            "min" or "minute" => TimeSpan.FromMinutes(1),
            "h" or "hour" => TimeSpan.FromHours(1),
            "d" or "day" => TimeSpan.FromDays(1),
            _ => DurationParser.TryParse(unit, out var duration) ? duration : TimeSpan.Zero,
        };
        return period > TimeSpan.Zero;
    }

    /// <summary>For messages and headers: <c>100/s</c>, <c>6000/min</c>, or <c>5/10s</c>.</summary>
    public static string Format(long tokens, TimeSpan period)
    {
        var unit = period.Ticks switch
        {
            TimeSpan.TicksPerSecond => "s",
            TimeSpan.TicksPerMinute => "min",
            TimeSpan.TicksPerHour => "h",
            TimeSpan.TicksPerDay => "day",
            _ => DurationParser.Format(period),
        };
        return $"{tokens}/{unit}";
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
