namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// Two routes with the same hosts, path, methods and header conditions: the second could never be chosen,
/// which is almost always a copy-paste mistake rather than an intent.
/// </summary>
internal sealed class RouteConflictValidator : IConfigValidator
{
    public void Validate(ValidationContext context)
    {
        var seen = new Dictionary<string, RouteConfig>(StringComparer.Ordinal);
        foreach (var route in context.Config.Routes)
        {
            if ((route.Path is null) == (route.PathPrefix is null))
            {
                continue; // already an error; comparing it would only add noise
            }

            var key = MatchKey(route);
            if (seen.TryGetValue(key, out var first))
            {
                context.Error(context.Of(route).Header, $"{Checks.Name("route", route.Id)} matches exactly the same requests as {Checks.Name("route", first.Id)} at {context.Of(first).Header} (same hosts, path, methods and headers), so it could never be chosen");
            }
            else
            {
                seen.Add(key, route);
            }
        }
    }

    // Order-insensitive where the router is: hosts, methods and header conditions are sets.
    private static string MatchKey(RouteConfig route)
    {
        var path = route.Path is { } p ? "path " + PathSyntax.Shape(p) : "prefix " + NormalizePrefix(route.PathPrefix!);
        var hosts = string.Join(',', route.Hosts.Select(h => h.ToLowerInvariant()).Order(StringComparer.Ordinal));
        var methods = string.Join(',', route.Methods.Order(StringComparer.Ordinal));
        var headers = string.Join('\n', route.Headers.Select(h => $"{h.Name.ToLowerInvariant()}\0{(h.Value is null ? "\u0001" : "=" + h.Value)}").Order(StringComparer.Ordinal));
        return $"{hosts}\n{path}\n{methods}\n{headers}";
    }

    // The router treats "/api/" as "/api".
    private static string NormalizePrefix(string prefix) => prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;
}
