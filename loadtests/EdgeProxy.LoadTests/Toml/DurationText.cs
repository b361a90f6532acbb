using System.Globalization;

namespace EdgeProxy.LoadTests.Toml;

/// <summary>Durations as the gateway's config writes them: <c>250ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, <c>500us</c>.</summary>
internal static class DurationText
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var span = text.AsSpan().Trim();
        var unitStart = span.Length;
        while (unitStart > 0 && char.IsAsciiLetter(span[unitStart - 1]) || unitStart > 0 && span[unitStart - 1] == 'µ')
        {
            unitStart--;
        }

        var unit = span[unitStart..].ToString();
        if (!double.TryParse(span[..unitStart].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < 0 || double.IsInfinity(number))
        {
            return false;
        }

        double? microseconds = unit switch
        {
            "us" or "µs" => number,
            "ms" => number * 1_000,
            "s" or "" => number * 1_000_000,
            "m" => number * 60_000_000,
            "h" => number * 3_600_000_000,
            _ => null,
        };
        if (microseconds is null || microseconds > TimeSpan.MaxValue.TotalMicroseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMicroseconds(microseconds.Value);
        return true;
    }

    public static string Format(TimeSpan value) => value.TotalMicroseconds switch
    {
        < 1_000 => $"{value.TotalMicroseconds.ToString("0.#", CultureInfo.InvariantCulture)}us",
        < 1_000_000 => $"{value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms",
        _ => $"{value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s",
    };
}
