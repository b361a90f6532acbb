namespace EdgeProxy.Policy.Config.Validation;

/// <summary>Host names as routes, SNI entries and upstream TLS expect them.</summary>
internal static class HostNames
{
    /// <summary>
    /// A DNS name: dot-separated labels of 1-63 letters, digits, '-' or '_' (no '-' at either end), at most
    /// 253 characters, no trailing dot. Underscores are allowed because internal names (container services)
    /// use them and nothing here depends on strict host-name syntax.
    /// </summary>
    public static bool IsDnsName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 253)
        {
            return false;
        }

        foreach (var range in name.Split('.'))
        {
            var label = name[range];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>An exact DNS name, <c>*.suffix</c>, or <c>*</c> (any host, as the router treats it).</summary>
    public static bool IsHostPattern(string pattern) =>
        pattern == "*" || (pattern.StartsWith("*.", StringComparison.Ordinal) ? IsDnsName(pattern.AsSpan(2)) : IsDnsName(pattern));
}
