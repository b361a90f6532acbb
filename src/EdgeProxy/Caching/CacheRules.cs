namespace EdgeProxy.Caching;

/// <summary>How the cache treats a request before looking anything up.</summary>
internal enum RequestCacheMode : byte
{
    /// <summary>Not a cacheable request (method, body, range, client no-store): straight upstream, nothing stored.</summary>
    Bypass,

    /// <summary>Look up; serve a fresh entry.</summary>
    Lookup,

    /// <summary>The client asked for an end-to-end answer (no-cache, max-age=0): go upstream, store the result.</summary>
    Refresh,
}

/// <summary>Why a response was not stored; the Cache-Status <c>detail</c> and the tests name it.</summary>
internal enum NotStoredReason : byte
{
    None,
    Method,
    Status,
    NoStore,
    Private,
    Authorization,
    SetCookie,
    VaryAny,
    Partial,
    NoFreshness,
    TooLarge,
}

/// <summary>The freshness facts of a stored response, all in Unix milliseconds (RFC 9111 §4.2).</summary>
internal readonly record struct Freshness(
    long LifetimeMs,
    long InitialAgeMs,
    long ResponseTimeMs,
    long StaleWhileRevalidateMs,
    long StaleIfErrorMs,
    bool MustRevalidate)
{
    /// <summary>RFC 9111 §4.2.3: corrected initial age plus time resident in this cache.</summary>
    public long CurrentAgeMs(long nowMs) => InitialAgeMs + Math.Max(0, nowMs - ResponseTimeMs);

    /// <summary>Negative while fresh; how far past its lifetime the response is otherwise.</summary>
    public long StalenessMs(long nowMs) => CurrentAgeMs(nowMs) - LifetimeMs;
}

/// <summary>What may be done with a stored response at a given moment.</summary>
internal enum ServeDecision : byte
{
    /// <summary>Fresh: serve it.</summary>
    Fresh,

    /// <summary>Stale within stale-while-revalidate: serve it and refresh in the background.</summary>
    StaleWhileRevalidate,

    /// <summary>Stale: ask the upstream (conditionally when it has validators); stale-if-error may still save the day.</summary>
    Revalidate,
}

/// <summary>
/// RFC 9111 (shared cache) and RFC 5861 rules as pure functions of parsed facts and a clock value, so each rule
/// is tested on its own and the request path calls them without state.
/// </summary>
internal static class CacheRules
{
    /// <summary>RFC 9110 §15.1: status codes heuristically cacheable, the only ones a route TTL may apply to.</summary>
    public static bool IsCacheableByDefault(int status) => status is 200 or 203 or 204 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    public static RequestCacheMode ForRequest(in RequestCacheFacts request, RouteCachePolicy policy)
    {
        if (!(request.IsGet || request.IsHead) || request.HasBody || request.HasRange)
        {
            return RequestCacheMode.Bypass;
        }

        if (!policy.AllowClientBypass)
        {
            return RequestCacheMode.Lookup;
        }

        var d = request.Directives;
        if (d.NoStore)
        {
            return RequestCacheMode.Bypass;
        }

        return d.NoCache || d.MaxAge == 0 || request.PragmaNoCache ? RequestCacheMode.Refresh : RequestCacheMode.Lookup;
    }

    /// <summary>RFC 9111 §3: may this response be stored by a shared cache? On success, its freshness.</summary>
    public static NotStoredReason ForResponse(in ResponseCacheFacts response, in RequestCacheFacts request, RouteCachePolicy policy,
        long requestTimeMs, long responseTimeMs, out Freshness freshness)
    {
        freshness = default;
        var d = response.Directives;
        if (!request.IsGet)
        {
            // A HEAD response has no body to serve a later GET with.
            return NotStoredReason.Method;
        }

        if (response.Status is < 200 or 206 or 304 || response.Status >= 600)
        {
            return response.Status == 206 ? NotStoredReason.Partial : NotStoredReason.Status;
        }

        if (response.HasContentRange)
        {
            return NotStoredReason.Partial;
        }

        if (d.NoStore || (policy.AllowClientBypass && request.Directives.NoStore))
        {
            return NotStoredReason.NoStore;
        }

        if (d.Private)
        {
            return NotStoredReason.Private;
        }

        // §3.5: a response to an authenticated request is shared only when it says so.
        if (request.HasAuthorization && !policy.ShareAuthorized && !policy.Private && !(d.Public || d.SMaxAge >= 0 || d.MustRevalidate))
        {
            return NotStoredReason.Authorization;
        }

        if (response.HasSetCookie && !policy.ShareSetCookie && !policy.Private)
        {
            return NotStoredReason.SetCookie;
        }

        if (response.VaryAny)
        {
            return NotStoredReason.VaryAny;
        }

        var lifetime = LifetimeMs(response, policy, responseTimeMs);
        if (lifetime < 0)
        {
            return NotStoredReason.NoFreshness;
        }

        // A response with no freshness (or no-cache) is still worth keeping when it can be revalidated cheaply.
        if ((lifetime == 0 || d.NoCache) && !response.HasValidator)
        {
            return NotStoredReason.NoFreshness;
        }

        if (d.NoCache)
        {
            lifetime = 0;
        }

        freshness = new Freshness(
            lifetime,
            InitialAgeMs(response, requestTimeMs, responseTimeMs),
            responseTimeMs,
            d.StaleWhileRevalidate >= 0 ? d.StaleWhileRevalidate * 1000 : policy.StaleWhileRevalidateMs,
            d.StaleIfError >= 0 ? d.StaleIfError * 1000 : policy.StaleIfErrorMs,

            // §5.2.2.8: s-maxage implies proxy-revalidate for a shared cache; no-cache means revalidate every time.
            d.MustRevalidate || d.ProxyRevalidate || d.SMaxAge >= 0 || d.NoCache);
        return NotStoredReason.None;
    }

    /// <summary>
    /// RFC 9111 §4.2.1 for a shared cache: s-maxage, then max-age, then Expires - Date, then the route TTL
    /// (our heuristic, §4.2.2, only for statuses cacheable by default). -1: no freshness information at all.
    /// </summary>
    public static long LifetimeMs(in ResponseCacheFacts response, RouteCachePolicy policy, long responseTimeMs)
    {
        var d = response.Directives;
        if (d.SMaxAge >= 0)
        {
            return d.SMaxAge * 1000;
        }

        if (d.MaxAge >= 0)
        {
            return d.MaxAge * 1000;
        }

        if (response.ExpiresMs == long.MinValue)
        {
            return 0;
        }

        if (response.ExpiresMs >= 0)
        {
            // Without Date, the time we received the response stands in (§4.2.1 says to use it as the Date value).
            return Math.Max(0, response.ExpiresMs - (response.DateMs >= 0 ? response.DateMs : responseTimeMs));
        }

        if (policy.TtlMs > 0 && IsCacheableByDefault(response.Status))
        {
            return policy.TtlMs;
        }

        return response.HasValidator && IsCacheableByDefault(response.Status) ? 0 : -1;
    }

    /// <summary>RFC 9111 §4.2.3 corrected_initial_age.</summary>
    public static long InitialAgeMs(in ResponseCacheFacts response, long requestTimeMs, long responseTimeMs)
    {
        var apparentAge = response.DateMs >= 0 ? Math.Max(0, responseTimeMs - response.DateMs) : 0;
        var responseDelay = Math.Max(0, responseTimeMs - requestTimeMs);
        var correctedAge = (response.AgeSeconds * 1000) + responseDelay;
        return Math.Max(apparentAge, correctedAge);
    }

    /// <summary>RFC 9111 §4.2 and §4.2.4, RFC 5861 §3: what the stored response may be used for now.</summary>
    public static ServeDecision ForStored(in Freshness freshness, in CacheDirectives request, bool honourRequest, long nowMs)
    {
        var staleness = freshness.StalenessMs(nowMs);
        if (honourRequest)
        {
            if (request.MinFresh > 0)
            {
                staleness += request.MinFresh * 1000;
            }

            if (request.MaxAge >= 0 && freshness.CurrentAgeMs(nowMs) > request.MaxAge * 1000)
            {
                return ServeDecision.Revalidate;
            }
        }

        if (staleness < 0)
        {
            return ServeDecision.Fresh;
        }

        if (freshness.MustRevalidate)
        {
            return ServeDecision.Revalidate;
        }

        if (honourRequest && request.MaxStale >= 0 && staleness <= request.MaxStale * 1000)
        {
            return ServeDecision.Fresh;
        }

        return staleness < freshness.StaleWhileRevalidateMs ? ServeDecision.StaleWhileRevalidate : ServeDecision.Revalidate;
    }

    /// <summary>RFC 5861 §4: may a stale response stand in for an upstream failure (or a 500/502/503/504) now?</summary>
    public static bool CanServeStaleOnError(in Freshness freshness, long nowMs) =>
        !freshness.MustRevalidate && freshness.StalenessMs(nowMs) < freshness.StaleIfErrorMs;

    /// <summary>The upstream statuses RFC 5861 §4 counts as errors.</summary>
    public static bool IsErrorStatus(int status) => status is 500 or 502 or 503 or 504;
}
