using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheHarness;

namespace EdgeProxy.Tests.Caching;

/// <summary>The exchange API end to end over a real pipe: miss, tee, commit, hit bytes, 304s, Vary, HEAD, LZ4, stale fallbacks.</summary>
public sealed class CacheExchangeTests
{
    private const string Fresh60 = "Cache-Control: max-age=60\r\nContent-Type: text/plain\r\nETag: \"v1\"\r\nLast-Modified: Tue, 14 Nov 2023 22:00:00 GMT";

    [Fact]
    public void Miss_then_fill_then_hit_serves_the_stored_bytes_with_age_and_status()
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);

        Assert.Equal(CacheOutcome.Miss, h.Serve(exchange).Outcome);
        var sent = h.Fetch(exchange, Fresh60 + "\r\nConnection: keep-alive\r\nX-Request-Id: upstream", "hello, cache");
        Assert.Equal("hello, cache", sent);
        Assert.Equal(1, h.Cache.Count);

        h.Now += 5_000;
        var (outcome, written) = h.Serve(new CacheExchange(h.Cache));
        Assert.Equal(CacheOutcome.Hit, outcome);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", written, StringComparison.Ordinal);
        Assert.Equal("hello, cache", Body(written));
        Assert.Equal("12", Header(written, "Content-Length"));
        Assert.Equal("5", Header(written, "Age"));
        Assert.Equal("edgeproxy; hit; ttl=55", Header(written, "Cache-Status"));
        Assert.Equal("HIT", Header(written, "X-Cache"));
        Assert.Equal("req-1", Header(written, "X-Request-Id"));
        Assert.Equal("1.1 edgeproxy", Header(written, "Via"));
        Assert.Null(Header(written, "Connection"));
        Assert.Equal(1, h.Cache.Metrics.Hits);
        Assert.Equal(1, h.Cache.Metrics.Misses);
    }

    [Fact]
    public void Chunked_responses_are_framed_for_the_client_and_stored_decoded()
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        var sent = h.Fetch(exchange, Fresh60, "abcdefghij", chunked: true, pieces: 2);

        Assert.Equal("00000005\r\nabcde\r\n00000005\r\nfghij\r\n", sent);
        Assert.Equal("abcdefghij", Body(h.Serve(new CacheExchange(h.Cache)).Written));
    }

    [Fact]
    public void Head_is_answered_from_the_get_entry_without_a_body()
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60, "0123456789");

        var (outcome, written) = h.Serve(new CacheExchange(h.Cache), method: "HEAD");
        Assert.Equal(CacheOutcome.Hit, outcome);
        Assert.Equal("10", Header(written, "Content-Length"));
        Assert.Equal("", Body(written));
    }

    [Theory]
    [InlineData("If-None-Match: \"v1\"")]
    [InlineData("If-None-Match: \"x\", W/\"v1\"")]
    [InlineData("If-None-Match: *")]
    [InlineData("If-Modified-Since: Tue, 14 Nov 2023 22:00:00 GMT")]
    [InlineData("If-Modified-Since: Wed, 15 Nov 2023 22:00:00 GMT")]
    public void Matching_validators_get_a_304_from_the_cache(string condition)
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60, "body");

        var (outcome, written) = h.Serve(new CacheExchange(h.Cache), headers: condition);
        Assert.Equal(CacheOutcome.NotModified, outcome);
        Assert.StartsWith("HTTP/1.1 304 Not Modified\r\n", written, StringComparison.Ordinal);
        Assert.Equal("\"v1\"", Header(written, "ETag"));
        Assert.Equal("max-age=60", Header(written, "Cache-Control"));
        Assert.Null(Header(written, "Content-Length"));
        Assert.Equal("", Body(written));
        Assert.Equal(1, h.Cache.Metrics.NotModified);
    }

    [Theory]
    [InlineData("If-None-Match: \"v2\"")]
    [InlineData("If-Modified-Since: Mon, 13 Nov 2023 22:00:00 GMT")]
    [InlineData("If-None-Match: \"v2\"\r\nIf-Modified-Since: Wed, 15 Nov 2023 22:00:00 GMT")]
    public void Validators_that_do_not_match_get_the_full_response(string condition)
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60, "body");

        var (outcome, written) = h.Serve(new CacheExchange(h.Cache), headers: condition.Split("\r\n"));
        Assert.Equal(CacheOutcome.Hit, outcome);
        Assert.Equal("body", Body(written));
    }

    [Fact]
    public void Vary_matrix_stores_one_variant_per_request_header_value()
    {
        var h = new CacheHarness();
        string[] languages = ["en", "de", "fr"];
        foreach (var language in languages)
        {
            var exchange = new CacheExchange(h.Cache);
            Assert.Equal(CacheOutcome.Miss, h.Serve(exchange, headers: "Accept-Language: " + language).Outcome);
            h.Fetch(exchange, Fresh60 + "\r\nVary: Accept-Language", "body-" + language, requestHeaders: "Accept-Language: " + language);
        }

        foreach (var language in languages)
        {
            var (outcome, written) = h.Serve(new CacheExchange(h.Cache), headers: "Accept-Language: " + language);
            Assert.Equal(CacheOutcome.Hit, outcome);
            Assert.Equal("body-" + language, Body(written));
        }

        Assert.Equal(CacheOutcome.Miss, h.Serve(new CacheExchange(h.Cache), headers: "Accept-Language: es").Outcome);
        Assert.Equal(CacheOutcome.Miss, h.Serve(new CacheExchange(h.Cache)).Outcome);

        // Three variants plus the marker under the base key.
        Assert.Equal(4, h.Cache.Count);
    }

    [Fact]
    public void Vary_star_is_not_stored_and_waiters_are_released()
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60 + "\r\nVary: *", "x");

        Assert.Equal(NotStoredReason.VaryAny, exchange.LastNotStored);
        Assert.Equal(0, h.Cache.Count);
        Assert.Equal(0, h.Cache.InFlightFills);
    }

    [Fact]
    public void Route_transform_removals_apply_to_the_stored_head_and_additions_to_each_answer()
    {
        var h = new CacheHarness
        {
            Transform = EdgeProxy.Routing.HeaderTransform.Compile(new HeaderTransformConfig
            {
                Remove = new[] { "X-Internal" },
                Add = new[] { new HeaderValueConfig("X-Served-By", "edgeproxy") },
            }),
        };
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60 + "\r\nX-Internal: secret", "b");

        var written = h.Serve(new CacheExchange(h.Cache)).Written;
        Assert.Null(Header(written, "X-Internal"));
        Assert.Equal("edgeproxy", Header(written, "X-Served-By"));
    }

    [Fact]
    public void Bodies_above_the_threshold_are_held_lz4_compressed_and_served_intact()
    {
        var h = new CacheHarness(new CacheSettings { CompressAbove = 1024 });
        var body = string.Concat(Enumerable.Repeat("{\"id\":12345,\"name\":\"compressible\"},", 500));
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60, body, pieces: 7);

        var entry = h.Cache.Find(exchange.Key.BaseKey)!;
        Assert.True(entry.Lz4);
        Assert.True(entry.Body.Length < body.Length / 4, $"{entry.Body.Length} of {body.Length}");
        Assert.Equal(body, Body(h.Serve(new CacheExchange(h.Cache)).Written));
    }

    [Fact]
    public void Incompressible_bodies_stay_raw()
    {
        var h = new CacheHarness(new CacheSettings { CompressAbove = 1024 });
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        var body = Convert.ToBase64String(random);
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        h.Fetch(exchange, Fresh60, body);

        Assert.False(h.Cache.Find(exchange.Key.BaseKey)!.Lz4);
        Assert.Equal(body, Body(h.Serve(new CacheExchange(h.Cache)).Written));
    }

    [Fact]
    public void A_body_outgrowing_the_entry_bound_is_abandoned_but_still_streamed()
    {
        var h = new CacheHarness(new CacheSettings { MaxEntryBytes = 2048 });
        var body = new string('x', 5000);
        var exchange = new CacheExchange(h.Cache);
        h.Serve(exchange);
        var sent = h.Fetch(exchange, Fresh60, body, pieces: 5);

        Assert.Equal(body, sent);
        Assert.Equal(0, h.Cache.Count);
        Assert.Equal(1, h.Cache.Metrics.AbandonedCount);
        Assert.Equal(0, h.Cache.InFlightFills);
    }

    [Fact]
    public void Private_routes_key_on_the_consumer()
    {
        var h = new CacheHarness(route: new RouteCacheConfig { Ttl = TimeSpan.FromSeconds(60), Private = true });
        var (head, request) = CacheTestMessages.Request();
        var exchange = new CacheExchange(h.Cache);
        var pipe = new System.IO.Pipelines.Pipe();
        Assert.Equal(CacheOutcome.Miss, exchange.TryServe(pipe.Writer, head, request, h.Policy, h.Context("alice"), h.Now));
        h.Fetch(exchange, Fresh60, "alice's");

        Assert.Equal(CacheOutcome.Hit, new CacheExchange(h.Cache).TryServe(pipe.Writer, head, request, h.Policy, h.Context("alice"), h.Now));
        Assert.Equal(CacheOutcome.Miss, new CacheExchange(h.Cache).TryServe(pipe.Writer, head, request, h.Policy, h.Context("bob"), h.Now));
    }

    [Fact]
    public void Stale_entry_with_validator_is_revalidated_and_a_304_refreshes_it()
    {
        var h = new CacheHarness();
        var first = new CacheExchange(h.Cache);
        h.Serve(first);
        h.Fetch(first, "Cache-Control: max-age=10\r\nETag: \"v1\"", "old body");

        h.Now += 11_000;
        var exchange = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Revalidate, h.Serve(exchange).Outcome);

        var upstreamHead = new System.IO.Pipelines.Pipe();
        var w = new EdgeProxy.Http.HeadWriter(upstreamHead.Writer);
        exchange.WriteConditionalHeaders(ref w);
        w.Commit();
        Assert.Equal("If-None-Match: \"v1\"\r\n", Drain(upstreamHead));

        var (requestHead, request) = CacheTestMessages.Request();
        var (notModified, parsed) = CacheTestMessages.Response(304, "Cache-Control: max-age=30", "ETag: \"v1\"");
        var client = new System.IO.Pipelines.Pipe();
        Assert.Equal(200, exchange.TryServeRevalidated(client.Writer, requestHead, request, notModified, parsed, h.Context(), h.Now));
        var written = Drain(client);
        Assert.Equal("old body", Body(written));
        Assert.Equal("REVALIDATED", Header(written, "X-Cache"));

        h.Now += 20_000;
        Assert.Equal(CacheOutcome.Hit, h.Serve(new CacheExchange(h.Cache)).Outcome);
    }

    [Fact]
    public void Stale_while_revalidate_serves_stale_and_hands_out_one_refresh()
    {
        var h = new CacheHarness();
        var first = new CacheExchange(h.Cache);
        h.Serve(first);
        h.Fetch(first, "Cache-Control: max-age=10, stale-while-revalidate=30", "stale body");

        h.Now += 15_000;
        var (outcome, written) = h.Serve(new CacheExchange(h.Cache));
        Assert.Equal(CacheOutcome.StaleRefresh, outcome);
        Assert.Equal("stale body", Body(written));
        Assert.Equal("STALE", Header(written, "X-Cache"));
        Assert.Equal(CacheOutcome.Stale, h.Serve(new CacheExchange(h.Cache)).Outcome);

        CacheExchange.EndRefresh(h.Cache.Find(first.Key.BaseKey)!);
        Assert.Equal(CacheOutcome.StaleRefresh, h.Serve(new CacheExchange(h.Cache)).Outcome);
        Assert.Equal(3, h.Cache.Metrics.Stale);

        h.Now += 30_000;
        Assert.Equal(CacheOutcome.Miss, h.Serve(new CacheExchange(h.Cache)).Outcome);
    }

    [Fact]
    public void Stale_if_error_serves_the_stale_entry_within_its_window_only()
    {
        var h = new CacheHarness(route: new RouteCacheConfig { StaleIfError = TimeSpan.FromSeconds(60) });
        var first = new CacheExchange(h.Cache);
        h.Serve(first);
        h.Fetch(first, "Cache-Control: max-age=10", "fallback");

        h.Now += 30_000;
        var exchange = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Miss, h.Serve(exchange).Outcome);
        var client = new System.IO.Pipelines.Pipe();
        Assert.True(exchange.TryServeStaleOnError(client.Writer, h.Context(), h.Now));
        var written = Drain(client);
        Assert.Equal("fallback", Body(written));
        Assert.Equal("STALE", Header(written, "X-Cache"));
        Assert.Equal(0, h.Cache.InFlightFills);

        h.Now += 60_000;
        var late = new CacheExchange(h.Cache);
        h.Serve(late);
        Assert.False(late.TryServeStaleOnError(client.Writer, h.Context(), h.Now));
    }

    [Fact]
    public void Client_no_cache_refreshes_only_where_the_route_allows_it()
    {
        var h = new CacheHarness();
        var first = new CacheExchange(h.Cache);
        h.Serve(first);
        h.Fetch(first, Fresh60, "v1");

        Assert.Equal(CacheOutcome.Hit, h.Serve(new CacheExchange(h.Cache), headers: "Cache-Control: no-cache").Outcome);
        h.Policy = CacheTestMessages.RoutePolicy(new RouteCacheConfig { AllowClientBypass = true });
        Assert.Equal(CacheOutcome.Miss, h.Serve(new CacheExchange(h.Cache), headers: "Cache-Control: no-cache").Outcome);
        Assert.Equal(CacheOutcome.Bypass, h.Serve(new CacheExchange(h.Cache), headers: "Cache-Control: no-store").Outcome);
    }

    [Fact]
    public void Abandoned_exchange_releases_its_fill_on_reset()
    {
        var h = new CacheHarness();
        var exchange = new CacheExchange(h.Cache);
        Assert.Equal(CacheOutcome.Miss, h.Serve(exchange).Outcome);
        Assert.Equal(1, h.Cache.InFlightFills);
        Assert.Equal(CacheOutcome.Miss, h.Serve(exchange, "/b").Outcome);
        Assert.Equal(1, h.Cache.InFlightFills);
        exchange.Reset();
        Assert.Equal(0, h.Cache.InFlightFills);
    }
}

/// <summary>Background refresh and purge by URL, through the same exchange API.</summary>
public sealed class CacheRefreshAndPurgeTests
{
    [Fact]
    public void Background_refresh_replaces_the_stale_entry_and_frees_the_refresh_slot()
    {
        var h = new CacheHarness();
        var first = new CacheExchange(h.Cache);
        h.Serve(first);
        h.Fetch(first, "Cache-Control: max-age=10, stale-while-revalidate=60\r\nETag: \"v1\"", "old");

        h.Now += 20_000;
        Assert.Equal(CacheOutcome.StaleRefresh, h.Serve(new CacheExchange(h.Cache)).Outcome);
        var stale = h.Cache.Find(first.Key.BaseKey)!;

        var refresher = new CacheExchange(h.Cache);
        var (head, request) = CacheTestMessages.Request();
        Assert.True(refresher.BeginRefresh(head, request, h.Policy, h.Context(), stale, h.Now));
        Assert.False(new CacheExchange(h.Cache).BeginRefresh(head, request, h.Policy, h.Context(), stale, h.Now));
        h.Fetch(refresher, "Cache-Control: max-age=10, stale-while-revalidate=60\r\nETag: \"v2\"", "new");

        Assert.Equal(0, stale.Refreshing);
        var (outcome, written) = h.Serve(new CacheExchange(h.Cache));
        Assert.Equal(CacheOutcome.Hit, outcome);
        Assert.Equal("new", CacheHarness.Body(written));
    }

    [Fact]
    public void Purge_by_url_normalizes_the_query_the_route_way_and_takes_every_variant()
    {
        var h = new CacheHarness(route: new EdgeProxy.Policy.Config.RouteCacheConfig { Ttl = TimeSpan.FromSeconds(60), IgnoreQuery = new[] { "utm" } });
        foreach (var language in new[] { "en", "de" })
        {
            var exchange = new CacheExchange(h.Cache);
            h.Serve(exchange, "/p?b=2&a=1", headers: "Accept-Language: " + language);
            h.Fetch(exchange, "Cache-Control: max-age=60\r\nVary: Accept-Language", language, "/p?b=2&a=1", requestHeaders: "Accept-Language: " + language);
        }

        var other = new CacheExchange(h.Cache);
        h.Serve(other, "/p?a=1");
        h.Fetch(other, "Cache-Control: max-age=60", "other", "/p?a=1");
        Assert.Equal(4, h.Cache.Count);

        Assert.Equal(3, CachePurge.Url(h.Cache, h.Policy, "http", "EXAMPLE.com", "/p?a=1&utm=x&b=2"));
        Assert.Equal(1, h.Cache.Count);
        Assert.Equal(CacheOutcome.Hit, h.Serve(new CacheExchange(h.Cache), "/p?a=1").Outcome);
    }
}

public sealed class CacheHeadMissTests
{
    [Fact]
    public void A_head_miss_goes_upstream_without_registering_a_fetch()
    {
        var h = new CacheHarness();
        Assert.Equal(CacheOutcome.Bypass, h.Serve(new CacheExchange(h.Cache), method: "HEAD").Outcome);
        Assert.Equal(0, h.Cache.InFlightFills);
        Assert.Equal(CacheOutcome.Miss, h.Serve(new CacheExchange(h.Cache)).Outcome);
    }
}
