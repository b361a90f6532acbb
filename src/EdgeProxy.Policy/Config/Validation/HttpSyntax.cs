namespace EdgeProxy.Policy.Config.Validation;

/// <summary>RFC 9110 token and field-value character rules, for method and header names and values.</summary>
internal static class HttpSyntax
{
    /// <summary><c>token = 1*tchar</c> (RFC 9110 §5.6.2).</summary>
    public static bool IsToken(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    /// <summary>
    /// Index of a CR, LF or NUL in a header value, or -1. Those three would let a config value end the header
    /// line early and inject headers or a second message (RFC 9110 §5.5).
    /// </summary>
    public static int IndexOfForbiddenValueChar(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0');

    public static string Describe(char c) => c switch
    {
        '\r' => "a carriage return (\\r)",
        '\n' => "a line feed (\\n)",
        '\0' => "a NUL character",
        ' ' => "a space",
        '\t' => "a tab",
        _ when char.IsControl(c) => $"the control character U+{(int)c:X4}",
        _ when c > '\u007F' => $"the non-ASCII character '{c}'",
        _ => $"'{c}'",
    };
}
