using System.Buffers.Text;

namespace EdgeProxy.Caching;

/// <summary>
/// HTTP dates (RFC 9110 §5.6.7) as Unix milliseconds. IMF-fixdate (<c>Sun, 06 Nov 1994 08:49:37 GMT</c>) is what
/// senders must generate; the obsolete RFC 850 and asctime forms are accepted on input, as recipients must.
/// </summary>
internal static class HttpDate
{
    public const int FormattedLength = 29;

    /// <summary>Unix milliseconds, or false for anything not a date (RFC 9111 §5.3: an invalid Expires means "already expired").</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out long unixMs)
    {
        unixMs = 0;
        if (Utf8Parser.TryParse(value, out DateTimeOffset parsed, out var consumed, 'R') && consumed == value.Length)
        {
            unixMs = parsed.ToUnixTimeMilliseconds();
            return true;
        }

        return TryParseObsolete(value, out unixMs);
    }

    /// <summary>Writes IMF-fixdate; <paramref name="destination"/> needs <see cref="FormattedLength"/> bytes.</summary>
    public static int Format(long unixMs, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(DateTimeOffset.FromUnixTimeMilliseconds(unixMs), destination, out var written, 'R');
        return written;
    }

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private static bool TryParseObsolete(ReadOnlySpan<byte> value, out long unixMs)
    {
        unixMs = 0;

        // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; asctime: "Sun Nov  6 08:49:37 1994".
        var comma = value.IndexOf((byte)',');
        int day, month, year, hour, minute, second;
        if (comma > 0)
        {
            var rest = value[(comma + 1)..];
            if (rest.Length != 23 || rest[0] != (byte)' ' || rest[3] != (byte)'-' || rest[7] != (byte)'-' || !rest.EndsWith(" GMT"u8))
            {
                return false;
            }

            if (!Two(rest[1..3], out day) || (month = Month(rest[4..7])) < 0 || !Two(rest[8..10], out year) || !Clock(rest[11..19], out hour, out minute, out second))
            {
                return false;
            }

            // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
            year += 2000;
            if (year > DateTime.UtcNow.Year + 50)
            {
                year -= 100;
            }
        }
        else
        {
            if (value.Length != 24 || value[3] != (byte)' ' || value[7] != (byte)' ' || value[10] != (byte)' ' || value[19] != (byte)' ')
            {
                return false;
            }

            var dayText = value[8] == (byte)' ' ? value.Slice(9, 1) : value.Slice(8, 2);
            if ((month = Month(value.Slice(4, 3))) < 0 || !Utf8Parser.TryParse(dayText, out day, out _) || !Clock(value.Slice(11, 8), out hour, out minute, out second)
                || !Utf8Parser.TryParse(value.Slice(20, 4), out year, out var n) || n != 4)
            {
                return false;
            }
        }

        if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        try
        {
            unixMs = new DateTimeOffset(year, month + 1, day, hour, minute, Math.Min(second, 59), TimeSpan.Zero).ToUnixTimeMilliseconds();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static int Month(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < Months.Length; i++)
        {
            var m = Months[i];
            if (name.Length == 3 && name[0] == m[0] && name[1] == m[1] && name[2] == m[2])
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Two(ReadOnlySpan<byte> digits, out int value) => Utf8Parser.TryParse(digits, out value, out var n) && n == 2;

    private static bool Clock(ReadOnlySpan<byte> text, out int hour, out int minute, out int second)
    {
        minute = second = 0;
        return Two(text[..2], out hour) && text[2] == (byte)':' && Two(text[3..5], out minute) && text[5] == (byte)':' && Two(text[6..8], out second);
    }
}
