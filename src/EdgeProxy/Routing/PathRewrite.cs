using System.Text;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Routing;

/// <summary>A route's path rewrite, compiled: strip a prefix, add a prefix, or replace with a template over the route's parameters.</summary>
internal sealed class PathRewrite
{
    private readonly byte[]? _strip;
    private readonly byte[]? _add;

    /// <summary>Replacement pieces: a literal, or (Literal null) the capture at <c>Parameter</c>.</summary>
    private readonly (byte[]? Literal, int Parameter)[]? _replace;

    private PathRewrite(byte[]? strip, byte[]? add, (byte[]?, int)[]? replace)
    {
        _strip = strip;
        _add = add;
        _replace = replace;
    }

    public static PathRewrite? Compile(PathRewriteConfig? config, string[] parameterNames)
    {
        if (config is null || (config.StripPrefix is null && config.AddPrefix is null && config.Replace is null))
        {
            return null;
        }

        (byte[]?, int)[]? replace = null;
        if (config.Replace is { } template)
        {
            var pieces = new List<(byte[]?, int)>();
            var pos = 0;
            while (pos < template.Length)
            {
                var open = template.IndexOf('{', pos);
                if (open < 0)
                {
                    pieces.Add((Encoding.ASCII.GetBytes(template[pos..]), -1));
                    break;
                }

                var close = template.IndexOf('}', open);
                if (open > pos)
                {
                    pieces.Add((Encoding.ASCII.GetBytes(template[pos..open]), -1));
                }

                pieces.Add((null, Array.IndexOf(parameterNames, template[(open + 1)..close])));
                pos = close + 1;
            }

            replace = [.. pieces];
        }

        var strip = config.StripPrefix is { } s ? Encoding.ASCII.GetBytes(s.Length > 1 ? s.TrimEnd('/') : s) : null;
        var add = config.AddPrefix is { } a ? Encoding.ASCII.GetBytes(a.TrimEnd('/')) : null;
        return new PathRewrite(strip, add, replace);
    }

    public void Write(ref HeadWriter writer, ReadOnlySpan<byte> path, ReadOnlySpan<Range> captures)
    {
        if (_replace is not null)
        {
            foreach (var (literal, parameter) in _replace)
            {
                if (literal is not null)
                {
                    writer.Write(literal);
                }
                else if (parameter >= 0 && parameter < captures.Length)
                {
                    writer.Write(path[captures[parameter]]);
                }
            }

            return;
        }

        if (_strip is not null && path.StartsWith(_strip) && (path.Length == _strip.Length || path[_strip.Length] == (byte)'/' || _strip.Length == 1))
        {
            path = path[_strip.Length..];
        }

        if (_add is not null)
        {
            writer.Write(_add);
        }

        if (path.IsEmpty || path[0] != (byte)'/')
        {
            writer.WriteByte((byte)'/');
        }

        writer.Write(path);
    }
}
