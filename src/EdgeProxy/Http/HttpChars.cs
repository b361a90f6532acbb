namespace EdgeProxy.Http;

/// <summary>Character classes of RFC 9110 §5.6 as lookup tables.</summary>
internal static class HttpChars
{
    private static readonly bool[] s_token = BuildToken();
    private static readonly bool[] s_fieldValue = BuildFieldValue();
    private static readonly bool[] s_target = BuildTarget();

    /// <summary>tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA</summary>
    public static bool IsToken(ReadOnlySpan<byte> span)
    {
        if (span.IsEmpty)
        {
            return false;
        }

        foreach (var b in span)
        {
            if (!s_token[b])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>field-vchar / SP / HTAB, obs-text allowed; NUL, CR, LF and other controls are not.</summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (!s_fieldValue[b])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Visible ASCII without whitespace: what a request-target may contain on the wire.</summary>
    public static bool IsTarget(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (!s_target[b])
            {
                return false;
            }
        }

        return true;
    }

    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> span)
    {
        var start = 0;
        while (start < span.Length && (span[start] == ' ' || span[start] == '\t'))
        {
            start++;
        }

        var end = span.Length;
        while (end > start && (span[end - 1] == ' ' || span[end - 1] == '\t'))
        {
            end--;
        }

        return span[start..end];
    }

    private static bool[] BuildToken()
    {
        var table = new bool[256];
        for (var c = '0'; c <= '9'; c++) table[c] = true;
        for (var c = 'a'; c <= 'z'; c++) table[c] = true;
        for (var c = 'A'; c <= 'Z'; c++) table[c] = true;
        foreach (var c in "!#$%&'*+-.^_`|~")
        {
            table[c] = true;
        }

        return table;
    }

    private static bool[] BuildFieldValue()
    {
        var table = new bool[256];
        for (var i = 0x20; i < 256; i++) table[i] = i != 0x7F;
        table['\t'] = true;
        return table;
    }

    private static bool[] BuildTarget()
    {
        var table = new bool[256];
        for (var i = 0x21; i < 0x7F; i++) table[i] = true;
        return table;
    }
}
