using System.Text;

namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// The one rule for what counts as a secret in a request sample (docs/analytics-wire.md, "Request sample"): the
/// gateway applies it while writing a sample, the manager again before storing one (defence in depth, and for
/// samples from a gateway with an older rule). A header or query parameter is secret when its name, compared
/// without case, contains one of <see cref="Fragments"/>, or is the configured API-key header or query parameter.
/// A secret's value is replaced by <see cref="RedactedText"/>; its name stays, so the reader sees it was sent.
/// Over-matching (<c>Sec-WebSocket-Key</c>, <c>X-Country-Code</c>) is the safe side of the trade.
/// </summary>
public static class RequestScrub
{
    public const string RedactedText = "[redacted]";

    public static ReadOnlySpan<byte> Redacted => "[redacted]"u8;

    /// <summary>Lower-case name fragments that mark a secret (covers Authorization, Proxy-Authorization, Cookie, Set-Cookie).</summary>
    private static readonly byte[][] Fragments =
    [
        "auth"u8.ToArray(), "token"u8.ToArray(), "secret"u8.ToArray(), "key"u8.ToArray(), "password"u8.ToArray(),
        "passwd"u8.ToArray(), "session"u8.ToArray(), "sig"u8.ToArray(), "cookie"u8.ToArray(), "credential"u8.ToArray(),
        "code"u8.ToArray(), "jwt"u8.ToArray(),
    ];

    /// <summary>The fragments as text, for documentation and the manager's display.</summary>
    public static IEnumerable<string> FragmentNames
    {
        get
        {
            foreach (var f in Fragments)
            {
                yield return Encoding.ASCII.GetString(f);
            }
        }
    }

    /// <summary>True when a header or parameter of this name carries a secret; <paramref name="configured"/> is the API-key header or parameter name (may be empty). No allocation.</summary>
    public static bool IsSecret(ReadOnlySpan<byte> name, ReadOnlySpan<byte> configured = default)
    {
        if (!configured.IsEmpty && Ascii.EqualsIgnoreCase(name, configured))
        {
            return true;
        }

        foreach (var fragment in Fragments)
        {
            if (ContainsIgnoreCase(name, fragment))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The same rule over text (the manager's side); a name that is not ASCII is compared by its UTF-8 bytes.</summary>
    public static bool IsSecret(string name, string? configured = null)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(name) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(name, buffer)] : Encoding.UTF8.GetBytes(name);
        Span<byte> other = stackalloc byte[256];
        var configuredBytes = string.IsNullOrEmpty(configured) || Encoding.UTF8.GetByteCount(configured) > other.Length
            ? default
            : other[..Encoding.UTF8.GetBytes(configured, other)];
        return IsSecret(bytes, configuredBytes);
    }

    /// <summary>
    /// Copies a request target into <paramref name="destination"/> with the value of every secret query parameter
    /// replaced by <see cref="Redacted"/> (the path is copied as it is). Stops at the destination's end and says so in
    /// <paramref name="truncated"/>. Returns the bytes written. No allocation.
    /// </summary>
    public static int Target(ReadOnlySpan<byte> target, ReadOnlySpan<byte> keyParameter, Span<byte> destination, out bool truncated)
    {
        truncated = false;
        var at = 0;
        var question = target.IndexOf((byte)'?');
        Append(destination, ref at, question < 0 ? target : target[..(question + 1)], ref truncated);
        if (question < 0)
        {
            return at;
        }

        var query = target[(question + 1)..];
        var first = true;
        while (!truncated)
        {
            var amp = query.IndexOf((byte)'&');
            var parameter = amp < 0 ? query : query[..amp];
            if (!first)
            {
                Append(destination, ref at, "&"u8, ref truncated);
            }

            first = false;
            var equals = parameter.IndexOf((byte)'=');
            if (equals > 0 && IsSecret(parameter[..equals], keyParameter))
            {
                Append(destination, ref at, parameter[..(equals + 1)], ref truncated);
                Append(destination, ref at, Redacted, ref truncated);
            }
            else
            {
                Append(destination, ref at, parameter, ref truncated);
            }

            if (amp < 0)
            {
                break;
            }

            query = query[(amp + 1)..];
        }

        return at;
    }

    /// <summary>The text form of <see cref="Target(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, out bool)"/>, unbounded (the manager's side).</summary>
    public static string Target(string target, string? keyParameter)
    {
        var bytes = Encoding.UTF8.GetBytes(target);

        // Redacting can only grow a parameter to its name plus the marker.
        var destination = new byte[bytes.Length + (Redacted.Length * (bytes.AsSpan().Count((byte)'&') + 1))];
        var n = Target(bytes, keyParameter is null ? default : Encoding.UTF8.GetBytes(keyParameter), destination, out _);
        return Encoding.UTF8.GetString(destination, 0, n);
    }

    private static void Append(Span<byte> destination, ref int at, ReadOnlySpan<byte> bytes, ref bool truncated)
    {
        var n = Math.Min(bytes.Length, destination.Length - at);
        bytes[..n].CopyTo(destination[at..]);
        at += n;
        truncated |= n < bytes.Length;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lowerFragment)
    {
        for (var i = 0; i + lowerFragment.Length <= name.Length; i++)
        {
            var j = 0;
            while (j < lowerFragment.Length && (byte)(name[i + j] | 0x20) == lowerFragment[j])
            {
                j++;
            }

            if (j == lowerFragment.Length)
            {
                return true;
            }
        }

        return false;
    }
}
