using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheTestMessages;

namespace EdgeProxy.Tests.Caching;

/// <summary>One test per RFC 9111 / RFC 5861 rule the shared cache applies.</summary>
public sealed class CacheRulesTests
{
    private const long Now = 1_700_000_000_000;

    private static NotStoredReason Store(ResponseCacheFacts response, RouteCachePolicy? policy = null, RequestCacheFacts? request = null) =>
        CacheRules.ForResponse(response, request ?? RequestFacts(), policy ?? RoutePolicy(), Now, Now, out _);

    private static Freshness Fresh(ResponseCacheFacts response, RouteCachePolicy? policy = null, long requestTime = Now, long responseTime = Now)
    {
        Assert.Equal(NotStoredReason.None, CacheRules.ForResponse(response, RequestFacts(), policy ?? RoutePolicy(), requestTime, responseTime, out var f));
        return f;
    }

    [Fact]
    public void Max_age_gives_the_lifetime()
    {
        Assert.Equal(60_000, Fresh(ResponseFacts(200, "Cache-Control: max-age=60")).LifetimeMs);
    }

    [Fact]
    public void S_maxage_beats_max_age_for_a_shared_cache_and_implies_proxy_revalidate()
    {
        var f = Fresh(ResponseFacts(200, "Cache-Control: max-age=60, s-maxage=5"));
        Assert.Equal(5_000, f.LifetimeMs);
        Assert.True(f.MustRevalidate);
    }

    [Fact]
    public void Expires_minus_date_gives_the_lifetime_when_no_max_age()
    {
        var f = Fresh(ResponseFacts(200, $"Date: {Date(Now)}", $"Expires: {Date(Now + 30_000)}"));
        Assert.Equal(30_000, f.LifetimeMs);
    }

    [Fact]
    public void Expires_without_date_counts_from_the_time_the_response_arrived()
    {
        Assert.Equal(20_000, Fresh(ResponseFacts(200, $"Expires: {Date(Now + 20_000)}")).LifetimeMs);
    }

    [Fact]
    public void Max_age_beats_expires()
    {
        Assert.Equal(10_000, Fresh(ResponseFacts(200, "Cache-Control: max-age=10", $"Date: {Date(Now)}", $"Expires: {Date(Now + 30_000)}")).LifetimeMs);
    }

    [Fact]
    public void Invalid_expires_means_already_expired_so_without_a_validator_nothing_is_stored()
    {
        Assert.Equal(NotStoredReason.NoFreshness, Store(ResponseFacts(200, "Expires: 0")));
        Assert.Equal(0, Fresh(ResponseFacts(200, "Expires: 0", "ETag: \"v1\"")).LifetimeMs);
    }

    [Fact]
    public void Route_ttl_applies_only_when_the_upstream_gives_no_freshness()
    {
        var policy = RoutePolicy(new RouteCacheConfig { Ttl = TimeSpan.FromSeconds(60) });
        Assert.Equal(60_000, Fresh(ResponseFacts(200), policy).LifetimeMs);
        Assert.Equal(5_000, Fresh(ResponseFacts(200, "Cache-Control: max-age=5"), policy).LifetimeMs);
    }

    [Fact]
    public void Route_ttl_does_not_apply_to_statuses_not_cacheable_by_default()
    {
        var policy = RoutePolicy(new RouteCacheConfig { Ttl = TimeSpan.FromSeconds(60) });
        Assert.Equal(NotStoredReason.NoFreshness, Store(ResponseFacts(500), policy));
        Assert.Equal(NotStoredReason.NoFreshness, Store(ResponseFacts(302), policy));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(302, "Cache-Control: max-age=10"), policy));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(404), policy));
    }

    [Fact]
    public void No_freshness_no_ttl_no_validator_is_not_stored()
    {
        Assert.Equal(NotStoredReason.NoFreshness, Store(ResponseFacts(200)));
    }

    [Fact]
    public void No_store_in_the_response_is_never_stored()
    {
        Assert.Equal(NotStoredReason.NoStore, Store(ResponseFacts(200, "Cache-Control: no-store, max-age=60")));
    }

    [Fact]
    public void No_store_in_the_request_counts_only_when_clients_may_bypass()
    {
        var request = RequestFacts("Cache-Control: no-store");
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(200, "Cache-Control: max-age=60"), RoutePolicy(), request));
        Assert.Equal(NotStoredReason.NoStore, Store(ResponseFacts(200, "Cache-Control: max-age=60"), RoutePolicy(new RouteCacheConfig { AllowClientBypass = true }), request));
    }

    [Fact]
    public void Private_is_never_stored_by_a_shared_cache()
    {
        Assert.Equal(NotStoredReason.Private, Store(ResponseFacts(200, "Cache-Control: private, max-age=60")));
    }

    [Fact]
    public void No_cache_is_stored_only_with_a_validator_and_always_revalidated()
    {
        Assert.Equal(NotStoredReason.NoFreshness, Store(ResponseFacts(200, "Cache-Control: no-cache, max-age=60")));
        var f = Fresh(ResponseFacts(200, "Cache-Control: no-cache, max-age=60", "ETag: \"a\""));
        Assert.Equal(0, f.LifetimeMs);
        Assert.True(f.MustRevalidate);
        Assert.Equal(ServeDecision.Revalidate, CacheRules.ForStored(f, CacheDirectives.None, false, Now));
    }

    [Fact]
    public void Authorization_requests_are_shared_only_with_public_s_maxage_must_revalidate_or_route_opt_in()
    {
        var auth = RequestFacts("Authorization: Bearer x");
        Assert.Equal(NotStoredReason.Authorization, Store(ResponseFacts(200, "Cache-Control: max-age=60"), RoutePolicy(), auth));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(200, "Cache-Control: public, max-age=60"), RoutePolicy(), auth));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(200, "Cache-Control: s-maxage=60"), RoutePolicy(), auth));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(200, "Cache-Control: must-revalidate, max-age=60"), RoutePolicy(), auth));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(200, "Cache-Control: max-age=60"), RoutePolicy(new RouteCacheConfig { ShareAuthorized = true }), auth));
    }

    [Fact]
    public void Set_cookie_responses_are_not_shared_unless_the_route_says_so()
    {
        var response = ResponseFacts(200, "Cache-Control: max-age=60", "Set-Cookie: a=b");
        Assert.Equal(NotStoredReason.SetCookie, Store(response));
        Assert.Equal(NotStoredReason.None, Store(response, RoutePolicy(new RouteCacheConfig { ShareSetCookie = true })));
    }

    [Fact]
    public void Vary_star_is_not_stored_but_other_vary_is()
    {
        Assert.Equal(NotStoredReason.VaryAny, Store(ResponseFacts(200, "Cache-Control: max-age=60", "Vary: Accept, *")));
        Assert.Equal(NotStoredReason.None, Store(ResponseFacts(200, "Cache-Control: max-age=60", "Vary: Accept")));
    }

    [Fact]
    public void Partial_and_not_modified_and_interim_responses_are_not_stored()
    {
        Assert.Equal(NotStoredReason.Partial, Store(ResponseFacts(206, "Cache-Control: max-age=60", "Content-Range: bytes 0-1/10")));
        Assert.Equal(NotStoredReason.Status, Store(ResponseFacts(304, "Cache-Control: max-age=60")));
    }

    [Fact]
    public void Head_responses_are_not_stored()
    {
        var (head, request) = Request("/a", "HEAD");
        Assert.Equal(NotStoredReason.Method, CacheRules.ForResponse(ResponseFacts(200, "Cache-Control: max-age=60"), RequestCacheFacts.Of(head, request), RoutePolicy(), Now, Now, out _));
    }

    [Fact]
    public void Initial_age_corrects_for_the_age_header_delay_and_clock_skew()
    {
        // Age 10 s, 2 s round trip: corrected age 12 s beats the apparent 5 s.
        var f = Fresh(ResponseFacts(200, "Cache-Control: max-age=60", "Age: 10", $"Date: {Date(Now - 5_000)}"), requestTime: Now - 2_000);
        Assert.Equal(12_000, f.InitialAgeMs);
        Assert.Equal(22_000, f.CurrentAgeMs(Now + 10_000));

        // Apparent age from Date when it is larger.
        Assert.Equal(30_000, Fresh(ResponseFacts(200, "Cache-Control: max-age=60", $"Date: {Date(Now - 30_000)}")).InitialAgeMs);
    }

    [Fact]
    public void Fresh_until_the_lifetime_then_revalidate()
    {
        var f = Fresh(ResponseFacts(200, "Cache-Control: max-age=10"));
        Assert.Equal(ServeDecision.Fresh, CacheRules.ForStored(f, CacheDirectives.None, false, Now + 9_999));
        Assert.Equal(ServeDecision.Revalidate, CacheRules.ForStored(f, CacheDirectives.None, false, Now + 10_000));
    }

    [Fact]
    public void Stale_while_revalidate_window_from_the_response_or_the_route_default()
    {
        var f = Fresh(ResponseFacts(200, "Cache-Control: max-age=10, stale-while-revalidate=5"));
        Assert.Equal(ServeDecision.StaleWhileRevalidate, CacheRules.ForStored(f, CacheDirectives.None, false, Now + 12_000));
        Assert.Equal(ServeDecision.Revalidate, CacheRules.ForStored(f, CacheDirectives.None, false, Now + 15_000));

        var routeDefault = Fresh(ResponseFacts(200, "Cache-Control: max-age=10"), RoutePolicy(new RouteCacheConfig { StaleWhileRevalidate = TimeSpan.FromSeconds(30) }));
        Assert.Equal(ServeDecision.StaleWhileRevalidate, CacheRules.ForStored(routeDefault, CacheDirectives.None, false, Now + 39_000));
    }

    [Fact]
    public void Must_revalidate_and_proxy_revalidate_forbid_serving_stale()
    {
        foreach (var directive in new[] { "must-revalidate", "proxy-revalidate" })
        {
            var f = Fresh(ResponseFacts(200, $"Cache-Control: max-age=10, {directive}, stale-while-revalidate=60, stale-if-error=60"));
            Assert.Equal(ServeDecision.Revalidate, CacheRules.ForStored(f, CacheDirectives.None, false, Now + 11_000));
            Assert.False(CacheRules.CanServeStaleOnError(f, Now + 11_000));
        }
    }

    [Fact]
    public void Stale_if_error_window()
    {
        var f = Fresh(ResponseFacts(200, "Cache-Control: max-age=10, stale-if-error=20"));
        Assert.True(CacheRules.CanServeStaleOnError(f, Now + 29_000));
        Assert.False(CacheRules.CanServeStaleOnError(f, Now + 30_000));
        Assert.True(CacheRules.IsErrorStatus(503));
        Assert.False(CacheRules.IsErrorStatus(404));
    }

    [Fact]
    public void Request_directives_count_only_when_the_route_allows_client_bypass()
    {
        var f = Fresh(ResponseFacts(200, "Cache-Control: max-age=60"));
        var maxAge = RequestFacts("Cache-Control: max-age=5").Directives;
        Assert.Equal(ServeDecision.Fresh, CacheRules.ForStored(f, maxAge, false, Now + 10_000));
        Assert.Equal(ServeDecision.Revalidate, CacheRules.ForStored(f, maxAge, true, Now + 10_000));

        var minFresh = RequestFacts("Cache-Control: min-fresh=55").Directives;
        Assert.Equal(ServeDecision.Revalidate, CacheRules.ForStored(f, minFresh, true, Now + 10_000));

        var maxStale = RequestFacts("Cache-Control: max-stale=30").Directives;
        Assert.Equal(ServeDecision.Fresh, CacheRules.ForStored(f, maxStale, true, Now + 80_000));
    }

    [Fact]
    public void Request_modes()
    {
        var plain = RoutePolicy();
        var bypassable = RoutePolicy(new RouteCacheConfig { AllowClientBypass = true });
        Assert.Equal(RequestCacheMode.Lookup, CacheRules.ForRequest(RequestFacts(), plain));
        Assert.Equal(RequestCacheMode.Lookup, CacheRules.ForRequest(RequestFacts("Cache-Control: no-cache"), plain));
        Assert.Equal(RequestCacheMode.Refresh, CacheRules.ForRequest(RequestFacts("Cache-Control: no-cache"), bypassable));
        Assert.Equal(RequestCacheMode.Refresh, CacheRules.ForRequest(RequestFacts("Cache-Control: max-age=0"), bypassable));
        Assert.Equal(RequestCacheMode.Refresh, CacheRules.ForRequest(RequestFacts("Pragma: no-cache"), bypassable));
        Assert.Equal(RequestCacheMode.Bypass, CacheRules.ForRequest(RequestFacts("Cache-Control: no-store"), bypassable));
        Assert.Equal(RequestCacheMode.Bypass, CacheRules.ForRequest(RequestFacts("Range: bytes=0-1"), plain));

        var (postHead, post) = Request("/a", "POST", "Content-Length: 0");
        Assert.Equal(RequestCacheMode.Bypass, CacheRules.ForRequest(RequestCacheFacts.Of(postHead, post), plain));
        var (headHead, head) = Request("/a", "HEAD");
        Assert.Equal(RequestCacheMode.Lookup, CacheRules.ForRequest(RequestCacheFacts.Of(headHead, head), plain));
    }
}
