using System.Globalization;

namespace EdgeProxy.Policy.Config;

/// <summary>
/// Config instants (key creation and expiry): an RFC 3339 date-time with an offset, as a TOML date-time or a
/// string (<c>2026-01-31T00:00:00Z</c>), or a bare date meaning its start in UTC. A local date-time without an
/// offset is refused: an expiry that moves with the server's time zone is a surprise waiting to happen.
/// </summary>
public static class TimestampParser
{
    public const string Examples = "an RFC 3339 date-time with an offset like 2026-01-31T00:00:00Z, or a date like 2026-01-31";

    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Length == 10)
        {
            if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                value = new DateTimeOffset(date, TimeSpan.Zero);
                return true;
            }

            return false;
        }

        // TOML allows a space for the 'T' and lower-case 't' and 'z'.
        var normalized = text.Length > 10 && (text[10] == ' ' || text[10] == 't') ? string.Concat(text.AsSpan(0, 10), "T", text.AsSpan(11)) : text;
        if (normalized.EndsWith('z'))
        {
            normalized = string.Concat(normalized.AsSpan(0, normalized.Length - 1), "Z");
        }

        if (!HasOffset(normalized))
        {
            return false;
        }

        return DateTimeOffset.TryParseExact(normalized, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    /// <summary>The canonical form used in messages and generated TOML: <c>2026-01-31T00:00:00Z</c>.</summary>
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString(value.Millisecond == 0 && value.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static bool HasOffset(string text)
    {
        if (text.EndsWith('Z'))
        {
            return true;
        }

        // "+01:00" / "-05:00" after the time part (the date's own '-' are before index 10).
        return text.Length > 19 && text.AsSpan(19).IndexOfAny('+', '-') >= 0;
    }
}
