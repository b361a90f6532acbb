using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>Maps <c>[cors]</c> and the routes' <c>cors</c> tables.</summary>
internal static class CorsConfigMapper
{
    public static CorsSettings MapSettings(TableReader r)
    {
        var defaults = new CorsSettings();
        return r.Finish(new CorsSettings
        {
            Origins = Origins(r) ?? defaults.Origins,
            Methods = Methods(r) ?? defaults.Methods,
            Headers = r.Strings("headers") ?? defaults.Headers,
            ExposeHeaders = r.Strings("expose_headers") ?? defaults.ExposeHeaders,
            Credentials = r.Boolean("credentials") ?? defaults.Credentials,
            MaxAge = r.Duration("max_age") ?? defaults.MaxAge,
        });
    }

    public static RouteCorsConfig MapRoute(TableReader r) => r.Finish(new RouteCorsConfig
    {
        Origins = Optional(Origins(r)),
        Methods = Optional(Methods(r)),
        Headers = Optional(r.Strings("headers")),
        ExposeHeaders = Optional(r.Strings("expose_headers")),
        Credentials = r.Boolean("credentials"),
        MaxAge = r.Duration("max_age"),
    });

    // Null keeps "not set" apart from an empty list: a route's origins = [] turns CORS off, a missing key inherits.
    private static EquatableArray<string>? Optional(string[]? values) => values is null ? default(EquatableArray<string>?) : new EquatableArray<string>(values);

    // Browsers serialize an origin's scheme and host in lower case (RFC 6454 §6.2), so one case makes the exact match a byte compare.
    private static string[]? Origins(TableReader r) => r.Strings("origins") is { } origins ? Array.ConvertAll(origins, o => o.ToLowerInvariant()) : null;

    // Methods are case-sensitive on the wire and the standard ones are upper case, as for a route's own methods.
    private static string[]? Methods(TableReader r) => r.Strings("methods") is { } methods ? Array.ConvertAll(methods, m => m.ToUpperInvariant()) : null;
}
