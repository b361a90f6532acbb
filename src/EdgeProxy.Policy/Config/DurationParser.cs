using System.Text;

namespace EdgeProxy.Policy.Config;

/// <summary>
/// Config durations: whole numbers with a unit, <c>250ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, optionally
/// combined (<c>1m30s</c>). No sign and no fractions: a timeout written as <c>0.5s</c> or <c>-1s</c> is more
/// likely a mistake than an intent, and <c>500ms</c> says the same thing exactly.
/// </summary>
public static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text.AsSpan(), out value);

    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        if (text.IsEmpty)
        {
            return false;
        }

        long total = 0;
        var pos = 0;
        while (pos < text.Length)
        {
            var start = pos;
            while (pos < text.Length && char.IsAsciiDigit(text[pos]))
            {
                pos++;
            }

            if (pos == start || !long.TryParse(text[start..pos], out var number))
            {
                return false;
            }

            var unitStart = pos;
            while (pos < text.Length && char.IsAsciiLetterLower(text[pos]))
            {
                pos++;
            }

            long unitTicks = text[unitStart..pos] switch
            {
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => 0,
            };

            // A bare number in a string ("10") is rejected: the unit is what makes "10" readable.
            if (unitTicks == 0 || number > (TimeSpan.MaxValue.Ticks - total) / unitTicks)
            {
                return false;
            }

            total += number * unitTicks;
        }

        value = TimeSpan.FromTicks(total);
        return true;
    }

    /// <summary>The inverse of <see cref="TryParse(string?, out TimeSpan)"/>, for messages: <c>1m30s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            builder.Append('-');
            value = value == TimeSpan.MinValue ? TimeSpan.MaxValue : value.Negate();
        }

        var ticks = value.Ticks;
        Append(builder, ref ticks, TimeSpan.TicksPerHour, "h");
        Append(builder, ref ticks, TimeSpan.TicksPerMinute, "m");
        Append(builder, ref ticks, TimeSpan.TicksPerSecond, "s");
        Append(builder, ref ticks, TimeSpan.TicksPerMillisecond, "ms");
        if (ticks > 0)
        {
            // Sub-millisecond remainders cannot come from a config file; show them rather than hide them.
            builder.Append(ticks * 100).Append("ns");
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, ref long ticks, long unit, string suffix)
    {
        var count = ticks / unit;
        if (count > 0)
        {
            builder.Append(count).Append(suffix);
            ticks -= count * unit;
        }
    }
}
