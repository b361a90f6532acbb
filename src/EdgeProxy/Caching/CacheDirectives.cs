using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Caching;

/// <summary>
/// The <c>Cache-Control</c> directives a shared cache acts on (RFC 9111 §5.2, RFC 5861), parsed from bytes with
/// no allocation. Several header lines accumulate into one value. Delta-seconds are -1 when absent.
/// </summary>
internal struct CacheDirectives
{
    /// <summary>RFC 9111 §1.2.2: delta-seconds too large to represent are taken as 2^31.</summary>
    public const long MaxDelta = 2147483648;

    public bool NoStore;
    public bool NoCache;
    public bool Private;
    public bool Public;
    public bool MustRevalidate;
    public bool ProxyRevalidate;
    public bool NoTransform;
    public bool OnlyIfCached;
    public bool Immutable;
    public long MaxAge;
    public long SMaxAge;
    public long StaleWhileRevalidate;
    public long StaleIfError;

    /// <summary>Request only: <c>max-stale</c> without a value accepts any staleness (<see cref="MaxDelta"/>).</summary>
    public long MaxStale;
    public long MinFresh;

    public static CacheDirectives None => new()
    {
        MaxAge = -1,
        SMaxAge = -1,
        StaleWhileRevalidate = -1,
        StaleIfError = -1,
        MaxStale = -1,
        MinFresh = -1,
    };

    /// <summary>Parses every <c>Cache-Control</c> line of a message.</summary>
    public static CacheDirectives Parse(ReadOnlySpan<byte> head, MessageHeaders headers)
    {
        var directives = None;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            if (e.NameLength == 13 && Ascii.EqualsIgnoreCase(head.Slice(e.NameStart, 13), "cache-control"u8))
            {
                directives.Add(head.Slice(e.ValueStart, e.ValueLength));
            }
        }

        return directives;
    }

    /// <summary>Adds one header line's directives: <c>token [ "=" ( token / quoted-string ) ]</c>, comma-separated.</summary>
    public void Add(ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            // A comma inside a quoted argument (private="a, b") does not end the directive.
            var end = NextComma(value);
            var item = HttpChars.TrimOws(value[..end]);
            value = end < value.Length ? value[(end + 1)..] : default;
            if (item.IsEmpty)
            {
                continue;
            }

            var eq = item.IndexOf((byte)'=');
            var name = eq < 0 ? item : HttpChars.TrimOws(item[..eq]);
            var argument = eq < 0 ? default : HttpChars.TrimOws(item[(eq + 1)..]);
            if (argument.Length >= 2 && argument[0] == (byte)'"' && argument[^1] == (byte)'"')
            {
                argument = argument[1..^1];
            }

            Apply(name, argument, eq >= 0);
        }
    }

    private void Apply(ReadOnlySpan<byte> name, ReadOnlySpan<byte> argument, bool hasArgument)
    {
        switch (name.Length)
        {
            case 6 when Ascii.EqualsIgnoreCase(name, "public"u8):
                Public = true;
                break;
            case 7 when Ascii.EqualsIgnoreCase(name, "max-age"u8):
                MaxAge = Min(MaxAge, Delta(argument));
                break;
            case 7 when Ascii.EqualsIgnoreCase(name, "private"u8):
                // private="Set-Cookie" (field names) still keeps a shared cache from storing the whole response; simplest safe reading.
                Private = true;
                break;
            case 8 when Ascii.EqualsIgnoreCase(name, "no-store"u8):
                NoStore = true;
                break;
            case 8 when Ascii.EqualsIgnoreCase(name, "no-cache"u8):
                NoCache = true;
                break;
            case 8 when Ascii.EqualsIgnoreCase(name, "s-maxage"u8):
                SMaxAge = Min(SMaxAge, Delta(argument));
                break;
            case 9 when Ascii.EqualsIgnoreCase(name, "max-stale"u8):
                MaxStale = hasArgument ? Delta(argument) : MaxDelta;
                break;
            case 9 when Ascii.EqualsIgnoreCase(name, "min-fresh"u8):
                MinFresh = Delta(argument);
                break;
            case 9 when Ascii.EqualsIgnoreCase(name, "immutable"u8):
                Immutable = true;
                break;
            case 12 when Ascii.EqualsIgnoreCase(name, "no-transform"u8):
                NoTransform = true;
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "stale-if-error"u8):
                StaleIfError = Delta(argument);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "only-if-cached"u8):
                OnlyIfCached = true;
                break;
            case 15 when Ascii.EqualsIgnoreCase(name, "must-revalidate"u8):
                MustRevalidate = true;
                break;
            case 16 when Ascii.EqualsIgnoreCase(name, "proxy-revalidate"u8):
                ProxyRevalidate = true;
                break;
            case 22 when Ascii.EqualsIgnoreCase(name, "stale-while-revalidate"u8):
                StaleWhileRevalidate = Delta(argument);
                break;
        }
    }

    /// <summary>
    /// delta-seconds (RFC 9111 §1.2.2). An invalid value yields 0: for max-age that makes the response stale
    /// (§4.2.1 says to treat it so), for the stale extensions it grants nothing.
    /// </summary>
    internal static long Delta(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty)
        {
            return 0;
        }

        long value = 0;
        foreach (var b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return 0;
            }

            value = value * 10 + (b - '0');
            if (value >= MaxDelta)
            {
                return MaxDelta;
            }
        }

        return value;
    }

    // Two conflicting values: the more conservative one wins.
    private static long Min(long current, long next) => current < 0 ? next : Math.Min(current, next);

    private static int NextComma(ReadOnlySpan<byte> value)
    {
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var b = value[i];
            if (b == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (b == (byte)'\\' && quoted)
            {
                i++;
            }
            else if (b == (byte)',' && !quoted)
            {
                return i;
            }
        }

        return value.Length;
    }
}
