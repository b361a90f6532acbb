namespace EdgeProxy.Policies.Auth;

/// <summary>Finds the API key's parameter in a query string (<c>?a=1&amp;api_key=K</c>) and what to cut to forward the query without it.</summary>
internal static class ApiKeyQuery
{
    /// <param name="query">The query including its leading <c>?</c>; may be empty.</param>
    /// <param name="nameEquals">The parameter's name followed by <c>=</c>.</param>
    /// <param name="value">The raw value (keys are URL-safe, so no decoding).</param>
    /// <param name="cut">The bytes of <paramref name="query"/> to leave out when forwarding: the parameter and one separator.</param>
    public static bool TryFind(ReadOnlySpan<byte> query, ReadOnlySpan<byte> nameEquals, out Range value, out Range cut)
    {
        value = default;
        cut = default;
        if (query.Length < 2 || query[0] != (byte)'?')
        {
            return false;
        }

        var start = 1;
        while (start < query.Length)
        {
            var rest = query[start..];
            var amp = rest.IndexOf((byte)'&');
            var length = amp < 0 ? rest.Length : amp;
            if (length >= nameEquals.Length && rest[..nameEquals.Length].SequenceEqual(nameEquals))
            {
                value = new Range(start + nameEquals.Length, start + length);
                var end = start + length;
                cut = end < query.Length ? new Range(start, end + 1) // "name=K&" before the next parameter
                    : start > 1 ? new Range(start - 1, end)           // "&name=K" at the end
                    : new Range(0, end);                              // "?name=K" alone: no query left
                return true;
            }

            if (amp < 0)
            {
                break;
            }

            start += amp + 1;
        }

        return false;
    }
}
