namespace EdgeProxy.Policy.Config.Validation;

/// <summary>Route paths, prefixes and rewrite targets: what may appear in them and the <c>{param}</c> template syntax.</summary>
internal static class PathSyntax
{
    /// <summary>
    /// Null when <paramref name="value"/> is an absolute path without query, fragment, whitespace, control or
    /// non-ASCII characters (the router compares raw request bytes; such characters arrive percent-encoded).
    /// </summary>
    public static string? Check(string value)
    {
        if (!value.StartsWith('/'))
        {
            return "it must start with '/'";
        }

        foreach (var c in value)
        {
            if (c is '?' or '#')
            {
                return $"it contains {HttpSyntax.Describe(c)}; paths are matched without the query string and fragment";
            }

            if (char.IsWhiteSpace(c) || char.IsControl(c) || c > '\u007E')
            {
                return $"it contains {HttpSyntax.Describe(c)}; write it percent-encoded as it appears in request URLs";
            }
        }

        return null;
    }

    /// <summary>
    /// Collects the parameter names of a route path; each <c>{name}</c> must be a whole segment so that a
    /// parameter's extent is never ambiguous. Null when valid, else what is wrong.
    /// </summary>
    public static string? ParseTemplate(string path, List<string> names)
    {
        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            if (segment.IndexOfAny(['{', '}']) < 0)
            {
                continue;
            }

            if (segment.Length < 2 || segment[0] != '{' || segment[^1] != '}' || segment.AsSpan(1, segment.Length - 2).IndexOfAny('{', '}') >= 0)
            {
                return $"the segment '{segment}' mixes a parameter with other text; a parameter must be a whole segment like '/{{id}}'";
            }

            var problem = AddName(segment[1..^1], names);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>Collects the parameters a rewrite target uses; there they may sit anywhere (<c>/v2/{id}.json</c>).</summary>
    public static string? ParseReplacement(string value, List<string> names)
    {
        var pos = 0;
        while (pos < value.Length)
        {
            var open = value.IndexOfAny(['{', '}'], pos);
            if (open < 0)
            {
                break;
            }

            var close = value.IndexOf('}', open + 1);
            var nextOpen = value.IndexOf('{', open + 1);
            if (value[open] == '}' || close < 0 || (nextOpen >= 0 && nextOpen < close))
            {
                return $"the '{value[open]}' at character {open + 1} has no partner; write parameters as {{name}}";
            }

            var name = value[(open + 1)..close];
            if (!IsName(name))
            {
                return $"'{{{name}}}' is not a parameter name (letters, digits and '_', not starting with a digit)";
            }

            names.Add(name);
            pos = close + 1;
        }

        return null;
    }

    /// <summary>The path with parameter names erased: <c>/items/{id}</c> and <c>/items/{key}</c> match the same requests.</summary>
    public static string Shape(string path)
    {
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i].StartsWith('{'))
            {
                segments[i] = "{}";
            }
        }

        return string.Join('/', segments);
    }

    private static string? AddName(string name, List<string> names)
    {
        if (!IsName(name))
        {
            return $"'{{{name}}}' is not a parameter name (letters, digits and '_', not starting with a digit)";
        }

        if (names.Contains(name))
        {
            return $"the parameter '{{{name}}}' appears twice";
        }

        names.Add(name);
        return null;
    }

    /// <summary><c>[A-Za-z_][A-Za-z0-9_]*</c>.</summary>
    public static bool IsName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
