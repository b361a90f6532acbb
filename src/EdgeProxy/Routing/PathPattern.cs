using System.Text;

namespace EdgeProxy.Routing;

/// <summary>
/// A route's path condition compiled to bytes: exact (<c>/hello</c>), template (<c>/items/{id}</c>, each
/// parameter a whole segment) or prefix on a segment boundary (<c>/api</c> matches <c>/api</c> and <c>/api/x</c>).
/// </summary>
internal sealed class PathPattern
{
    private readonly byte[]?[] _segments;

    private PathPattern(PathKind kind, byte[] literal, byte[]?[] segments, string[] parameterNames)
    {
        Kind = kind;
        Literal = literal;
        _segments = segments;
        ParameterNames = parameterNames;
        LiteralSegments = 0;
        foreach (var s in segments)
        {
            if (s is not null)
            {
                LiteralSegments++;
            }
        }
    }

    public PathKind Kind { get; }

    /// <summary>The exact path or the prefix (without a trailing slash, except for "/").</summary>
    public byte[] Literal { get; }

    public string[] ParameterNames { get; }

    public int SegmentCount => _segments.Length;

    public int LiteralSegments { get; }

    public static PathPattern Exact(string path) => new(PathKind.Exact, Encoding.ASCII.GetBytes(path), [], []);

    public static PathPattern Prefix(string prefix)
    {
        var trimmed = prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;
        return new(PathKind.Prefix, Encoding.ASCII.GetBytes(trimmed.Length == 0 ? "/" : trimmed), [], []);
    }

    public static PathPattern Parse(string path)
    {
        if (!path.Contains('{'))
        {
            return Exact(path);
        }

        var parts = path[1..].Split('/');
        var segments = new byte[]?[parts.Length];
        var names = new List<string>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length > 2 && part[0] == '{' && part[^1] == '}')
            {
                names.Add(part[1..^1]);
            }
            else
            {
                segments[i] = Encoding.ASCII.GetBytes(part);
            }
        }

        return new(PathKind.Template, Encoding.ASCII.GetBytes(path), segments, [.. names]);
    }

    /// <summary>Matches <paramref name="path"/>; for templates, fills <paramref name="captures"/> with (start, length) pairs into the path.</summary>
    public bool IsMatch(ReadOnlySpan<byte> path, Span<Range> captures)
    {
        switch (Kind)
        {
            case PathKind.Exact:
                return path.SequenceEqual(Literal);
            case PathKind.Prefix:
                if (Literal.Length == 1)
                {
                    return true;
                }

                return path.StartsWith(Literal) && (path.Length == Literal.Length || path[Literal.Length] == (byte)'/');
            default:
                return MatchTemplate(path, captures);
        }
    }

    private bool MatchTemplate(ReadOnlySpan<byte> path, Span<Range> captures)
    {
        if (path.IsEmpty || path[0] != (byte)'/')
        {
            return false;
        }

        var pos = 1;
        var capture = 0;
        for (var i = 0; i < _segments.Length; i++)
        {
            if (pos > path.Length)
            {
                return false;
            }

            var rest = path[pos..];
            var slash = rest.IndexOf((byte)'/');
            var isLast = i == _segments.Length - 1;
            if (isLast != (slash < 0))
            {
                return false;
            }

            var segment = slash < 0 ? rest : rest[..slash];
            var literal = _segments[i];
            if (literal is null)
            {
                if (segment.IsEmpty)
                {
                    return false;
                }

                if (capture < captures.Length)
                {
                    captures[capture] = new Range(pos, pos + segment.Length);
                }

                capture++;
            }
            else if (!segment.SequenceEqual(literal))
            {
                return false;
            }

            pos += segment.Length + 1;
        }

        return true;
    }
}

internal enum PathKind : byte
{
    Exact,
    Template,
    Prefix,
}
