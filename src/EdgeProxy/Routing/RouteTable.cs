using System.Collections.Frozen;
using System.Text;
using EdgeProxy.Http;

namespace EdgeProxy.Routing;

/// <summary>
/// All routes of a snapshot, indexed for matching on the request's bytes without allocating.
/// Precedence (documented in the README): the most specific host group that has a match wins (exact host, then
/// the longest <c>*.suffix</c>, then routes without hosts); inside it, exact paths beat templates (more literal
/// segments first), which beat prefixes (longest first); among equal paths, routes with more method/header
/// conditions are tried first; the rest is declaration order.
/// </summary>
internal sealed class RouteTable
{
    private readonly FrozenDictionary<string, RouteGroup> _exactHosts;
    private readonly FrozenDictionary<string, RouteGroup>.AlternateLookup<ReadOnlySpan<char>> _exactHostLookup;
    private readonly (byte[] Suffix, RouteGroup Group)[] _wildcardHosts;
    private readonly RouteGroup? _anyHost;

    public RouteTable(IReadOnlyList<CompiledRoute> routes)
    {
        var exact = new Dictionary<string, List<CompiledRoute>>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, List<CompiledRoute>>(StringComparer.OrdinalIgnoreCase);
        var any = new List<CompiledRoute>();
        foreach (var route in routes)
        {
            if (route.Config.Hosts.Count == 0)
            {
                any.Add(route);
                continue;
            }

            foreach (var host in route.Config.Hosts)
            {
                if (host == "*")
                {
                    any.Add(route);
                }
                else if (host.StartsWith("*.", StringComparison.Ordinal))
                {
                    GetList(wildcard, host[1..].ToLowerInvariant()).Add(route);
                }
                else
                {
                    GetList(exact, host.ToLowerInvariant()).Add(route);
                }
            }
        }

        _exactHosts = exact.ToFrozenDictionary(p => p.Key, p => new RouteGroup(p.Value), StringComparer.OrdinalIgnoreCase);
        _exactHostLookup = _exactHosts.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcardHosts = wildcard
            .OrderByDescending(p => p.Key.Length)
            .Select(p => (Encoding.ASCII.GetBytes(p.Key), new RouteGroup(p.Value)))
            .ToArray();
        _anyHost = any.Count > 0 ? new RouteGroup(any) : null;
        Count = routes.Count;
    }

    public int Count { get; }

    public CompiledRoute? Match(ReadOnlySpan<byte> head, RequestHead request, Span<Range> captures)
    {
        var host = HostWithoutPort(request.Host(head));
        var path = request.Path(head);
        if (!host.IsEmpty && _exactHosts.Count > 0 && host.Length <= 255)
        {
            Span<char> chars = stackalloc char[host.Length];
            Encoding.Latin1.GetChars(host, chars);
            if (_exactHostLookup.TryGetValue(chars, out var group) && group.Match(head, request, path, captures) is { } r1)
            {
                return r1;
            }
        }

        foreach (var (suffix, group) in _wildcardHosts)
        {
            if (host.Length > suffix.Length && Ascii.EqualsIgnoreCase(host[^suffix.Length..], suffix)
                && group.Match(head, request, path, captures) is { } r2)
            {
                return r2;
            }
        }

        return _anyHost?.Match(head, request, path, captures);
    }

    private static ReadOnlySpan<byte> HostWithoutPort(ReadOnlySpan<byte> host)
    {
        if (!host.IsEmpty && host[0] == (byte)'[')
        {
            var close = host.IndexOf((byte)']');
            return close < 0 ? host : host[..(close + 1)];
        }

        var colon = host.LastIndexOf((byte)':');
        return colon < 0 ? host : host[..colon];
    }

    private static List<CompiledRoute> GetList(Dictionary<string, List<CompiledRoute>> map, string key)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        return list;
    }

    /// <summary>The routes of one host group, split by path kind and pre-sorted by precedence.</summary>
    private sealed class RouteGroup
    {
        private readonly Dictionary<string, CompiledRoute[]> _exact;
        private readonly Dictionary<string, CompiledRoute[]>.AlternateLookup<ReadOnlySpan<char>> _exactLookup;
        private readonly CompiledRoute[] _templates;
        private readonly CompiledRoute[] _prefixes;

        public RouteGroup(List<CompiledRoute> routes)
        {
            _exact = routes.Where(r => r.Path.Kind == PathKind.Exact)
                .GroupBy(r => Encoding.ASCII.GetString(r.Path.Literal), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Sorted(g), StringComparer.Ordinal);
            _exactLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
            _templates = routes.Where(r => r.Path.Kind == PathKind.Template)
                .OrderByDescending(r => r.Path.LiteralSegments).ThenByDescending(r => r.ConstraintCount).ThenBy(r => r.Order)
                .ToArray();
            _prefixes = routes.Where(r => r.Path.Kind == PathKind.Prefix)
                .OrderByDescending(r => r.Path.Literal.Length).ThenByDescending(r => r.ConstraintCount).ThenBy(r => r.Order)
                .ToArray();
        }

        public CompiledRoute? Match(ReadOnlySpan<byte> head, RequestHead request, ReadOnlySpan<byte> path, Span<Range> captures)
        {
            if (_exact.Count > 0 && path.Length <= 2048)
            {
                Span<char> chars = stackalloc char[path.Length];
                Encoding.Latin1.GetChars(path, chars);
                if (_exactLookup.TryGetValue(chars, out var candidates))
                {
                    foreach (var route in candidates)
                    {
                        if (ConditionsHold(route, head, request))
                        {
                            return route;
                        }
                    }
                }
            }

            foreach (var route in _templates)
            {
                if (route.Path.IsMatch(path, captures) && ConditionsHold(route, head, request))
                {
                    return route;
                }
            }

            foreach (var route in _prefixes)
            {
                if (route.Path.IsMatch(path, captures) && ConditionsHold(route, head, request))
                {
                    return route;
                }
            }

            return null;
        }

        private static CompiledRoute[] Sorted(IEnumerable<CompiledRoute> routes) =>
            routes.OrderByDescending(r => r.ConstraintCount).ThenBy(r => r.Order).ToArray();

        private static bool MethodAllowed(CompiledRoute route, ReadOnlySpan<byte> method)
        {
            foreach (var m in route.Methods)
            {
                if (method.SequenceEqual(m))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool ConditionsHold(CompiledRoute route, ReadOnlySpan<byte> head, RequestHead request)
        {
            if (route.Methods.Length > 0 && !MethodAllowed(route, request.Method(head))
                && !(route.Cors is not null && request.IsCorsPreflight
                    && MethodAllowed(route, request.Headers.Value(head, request.Headers.RequestMethodIndex))))
            {
                // A preflight asks on behalf of the method it names: it finds the route that method would, OPTIONS listed or not.
                return false;
            }

            foreach (var (name, value) in route.HeaderConditions)
            {
                var index = request.Headers.Find(head, name);
                if (index < 0 || (value is not null && !request.Headers.Value(head, index).SequenceEqual(value)))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
