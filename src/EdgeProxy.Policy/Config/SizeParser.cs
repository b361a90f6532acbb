namespace EdgeProxy.Policy.Config;

/// <summary>
/// Config sizes in bytes: <c>512</c>, <c>64KiB</c>, <c>10MiB</c>, <c>1GiB</c> (powers of 1024) or <c>1KB</c>,
/// <c>10MB</c> (powers of 1000, as disks and networks count). Units are case-insensitive and may follow one space.
/// </summary>
public static class SizeParser
{
    public static bool TryParse(string? text, out long value) => TryParse(text.AsSpan(), out value);

    public static bool TryParse(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(text[..digits], out var number))
        {
            return false;
        }

        var unit = text[digits..];
        if (unit.Length > 1 && unit[0] == ' ')
        {
            unit = unit[1..];
        }

        long multiplier;
        if (unit.IsEmpty || unit.Equals("B", StringComparison.OrdinalIgnoreCase))
        {
            multiplier = 1;
        }
        else if (!TryUnit(unit, out multiplier))
        {
            return false;
        }

        if (number > long.MaxValue / multiplier)
        {
            return false;
        }

        value = number * multiplier;
        return true;
    }

    private static bool TryUnit(ReadOnlySpan<char> unit, out long multiplier)
    {
        multiplier = 0;
        bool binary;
        if (unit.Length == 3 && (unit[1] == 'i' || unit[1] == 'I') && (unit[2] == 'b' || unit[2] == 'B'))
        {
            binary = true;
        }
        else if (unit.Length == 2 && (unit[1] == 'b' || unit[1] == 'B'))
        {
            binary = false;
        }
        else
        {
            return false;
        }

        var power = char.ToUpperInvariant(unit[0]) switch
        {
            'K' => 1,
            'M' => 2,
            'G' => 3,
            'T' => 4,
            _ => 0,
        };
        if (power == 0)
        {
            return false;
        }

        multiplier = 1;
        for (var i = 0; i < power; i++)
        {
            multiplier *= binary ? 1024 : 1000;
        }

        return true;
    }

    /// <summary>Bytes for messages, in the largest binary unit that divides them exactly (<c>10MiB</c>, <c>1500</c>).</summary>
    public static string Format(long bytes)
    {
        string[] units = ["TiB", "GiB", "MiB", "KiB"];
        for (var i = 0; i < units.Length; i++)
        {
            var unit = 1L << (10 * (units.Length - i));
            if (bytes != 0 && bytes % unit == 0)
            {
                return $"{bytes / unit}{units[i]}";
            }
        }

        return bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
