using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Routing;

/// <summary>
/// Maps each route that serves an API version to its <see cref="RouteLifecycle"/>. Runs once per config revision,
/// so a reload that flips a version's state takes effect with the snapshot swap.
/// </summary>
internal static class RouteLifecycleCompiler
{
    public static Dictionary<string, RouteLifecycle> Compile(GatewayConfig config)
    {
        var routes = new Dictionary<string, RouteConfig>(StringComparer.Ordinal);
        foreach (var route in config.Routes)
        {
            routes.TryAdd(route.Id, route);
        }

        var byRoute = new Dictionary<string, RouteLifecycle>(StringComparer.Ordinal);
        for (var apiIndex = 0; apiIndex < config.Apis.Count; apiIndex++)
        {
            var api = config.Apis[apiIndex];
            foreach (var version in api.Versions)
            {
                var link = version.Successor is { } successor ? SuccessorLink(api, successor, routes) : null;
                var lifecycle = new RouteLifecycle(apiIndex, api.Id, version.Version, version.State,
                    ResponseHeaders(version, link), link is null ? [] : Encoding.ASCII.GetBytes($"Link: {link}\r\n"), GoneBody(api, version));
                foreach (var routeId in version.Routes)
                {
                    byRoute.TryAdd(routeId, lifecycle);
                }
            }
        }

        return byRoute;
    }

    /// <summary>
    /// Served versions announce their end: <c>Deprecation</c> (RFC 9745, a structured date) once a deprecation date is
    /// set, <c>Sunset</c> (RFC 8594, an IMF-fixdate) and the successor's <c>Link</c>. Drafts and retired versions send none.
    /// </summary>
    private static (byte[] Name, byte[] Value)[] ResponseHeaders(ApiVersionConfig version, string? link)
    {
        if (version.State is not (ApiVersionState.Published or ApiVersionState.Deprecated))
        {
            return [];
        }

        var headers = new List<(byte[], byte[])>(3);
        if (version.DeprecatedAt is { } deprecatedAt)
        {
            headers.Add(("Deprecation"u8.ToArray(), Encoding.ASCII.GetBytes("@" + deprecatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))));
        }

        if (version.Sunset is { } sunset)
        {
            headers.Add(("Sunset"u8.ToArray(), Encoding.ASCII.GetBytes(sunset.UtcDateTime.ToString("r", CultureInfo.InvariantCulture))));
        }

        if (link is not null)
        {
            headers.Add(("Link"u8.ToArray(), Encoding.ASCII.GetBytes(link)));
        }

        return [.. headers];
    }

    /// <summary>
    /// Where callers should go instead: the path of the successor's first route when that is a plain path (a prefix, or a
    /// path without parameters), which a client can call as it is; otherwise the API's catalogue page
    /// <c>/apis/{id}/{version}</c>. A relative reference resolves against the request's own URL (RFC 8288 §3.1).
    /// </summary>
    private static string SuccessorLink(ApiConfig api, string successor, Dictionary<string, RouteConfig> routes)
    {
        var target = $"/apis/{Uri.EscapeDataString(api.Id)}/{Uri.EscapeDataString(successor)}";
        foreach (var version in api.Versions)
        {
            if (version.Version == successor && version.Routes.Count > 0 && routes.TryGetValue(version.Routes[0], out var route))
            {
                if (route.PathPrefix is { Length: > 0 } prefix)
                {
                    target = prefix;
                }
                else if (route.Path is { Length: > 0 } path && !path.Contains('{', StringComparison.Ordinal))
                {
                    target = path;
                }

                break;
            }
        }

        return $"<{target}>; rel=\"successor-version\"";
    }

    private static byte[] GoneBody(ApiConfig api, ApiVersionConfig version)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("error", "gone");
            json.WriteString("api", api.Id);
            json.WriteString("version", version.Version);
            if (version.Successor is { } successor)
            {
                json.WriteString("successor", successor);
            }

            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
