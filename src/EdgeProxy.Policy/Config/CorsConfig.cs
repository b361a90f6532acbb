namespace EdgeProxy.Policy.Config;

/// <summary>
/// <c>[cors]</c>: the gateway's CORS policy (Fetch standard) for every route that does not set its own. With no
/// <c>origins</c> it is off; a route's <c>cors = { ... }</c> table overrides any of these keys for that route.
/// </summary>
public sealed record CorsSettings
{
    /// <summary>Simple methods a browser sends cross-origin; the allow list when none is configured.</summary>
    public static readonly EquatableArray<string> DefaultMethods = new[] { "GET", "HEAD", "POST" };

    /// <summary>Serialized origins (<c>scheme://host[:port]</c>) compared byte for byte, or <c>"*"</c> for any; empty: CORS is off.</summary>
    public EquatableArray<string> Origins { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Methods a preflight may ask for (<c>Access-Control-Allow-Methods</c>); <c>"*"</c> for any when credentials are off.</summary>
    public EquatableArray<string> Methods { get; init; } = DefaultMethods;

    /// <summary>Request headers a preflight may ask for (<c>Access-Control-Allow-Headers</c>); <c>"*"</c> for any (but Authorization) when credentials are off.</summary>
    public EquatableArray<string> Headers { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Response headers scripts may read beyond the CORS-safelisted ones (<c>Access-Control-Expose-Headers</c>).</summary>
    public EquatableArray<string> ExposeHeaders { get; init; } = EquatableArray<string>.Empty;

    /// <summary><c>Access-Control-Allow-Credentials: true</c>: browsers may send cookies and read the answer; needs exact origins.</summary>
    public bool Credentials { get; init; }

    /// <summary>How long a browser may cache a preflight answer (<c>Access-Control-Max-Age</c>); zero sends none.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The policy a route runs: these defaults with the route's own keys laid over them; null when CORS is off for it.</summary>
    public CorsSettings? For(RouteCorsConfig? route)
    {
        var effective = route is null ? this : new CorsSettings
        {
            Origins = route.Origins ?? Origins,
            Methods = route.Methods ?? Methods,
            Headers = route.Headers ?? Headers,
            ExposeHeaders = route.ExposeHeaders ?? ExposeHeaders,
            Credentials = route.Credentials ?? Credentials,
            MaxAge = route.MaxAge ?? MaxAge,
        };
        return effective.Origins.Count == 0 ? null : effective;
    }
}

/// <summary><c>cors = { ... }</c> on a route: keys set here replace the <c>[cors]</c> defaults (null: inherited); <c>origins = []</c> turns CORS off for the route.</summary>
public sealed record RouteCorsConfig
{
    public EquatableArray<string>? Origins { get; init; }

    public EquatableArray<string>? Methods { get; init; }

    public EquatableArray<string>? Headers { get; init; }

    public EquatableArray<string>? ExposeHeaders { get; init; }

    public bool? Credentials { get; init; }

    public TimeSpan? MaxAge { get; init; }
}
