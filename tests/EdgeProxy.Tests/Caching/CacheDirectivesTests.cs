using System.Text;
using EdgeProxy.Caching;

namespace EdgeProxy.Tests.Caching;

public sealed class CacheDirectivesTests
{
    private static CacheDirectives Parse(params string[] lines)
    {
        var d = CacheDirectives.None;
        foreach (var line in lines)
        {
            d.Add(Encoding.ASCII.GetBytes(line));
        }

        return d;
    }

    [Fact]
    public void Absent_directives_are_unset()
    {
        var d = Parse("");
        Assert.False(d.NoStore || d.NoCache || d.Private || d.Public || d.MustRevalidate || d.ProxyRevalidate || d.NoTransform);
        Assert.Equal((-1L, -1L, -1L, -1L), (d.MaxAge, d.SMaxAge, d.StaleWhileRevalidate, d.StaleIfError));
    }

    [Fact]
    public void Every_flag_directive_is_recognised_case_insensitively()
    {
        var d = Parse("No-Store, NO-CACHE, private, Public, must-revalidate, proxy-revalidate, no-transform, only-if-cached, immutable");
        Assert.True(d.NoStore && d.NoCache && d.Private && d.Public && d.MustRevalidate && d.ProxyRevalidate && d.NoTransform && d.OnlyIfCached && d.Immutable);
    }

    [Fact]
    public void Delta_seconds_directives_parse_with_and_without_quotes()
    {
        var d = Parse("max-age=60, s-maxage=\"120\"", "stale-while-revalidate=30 , stale-if-error=86400");
        Assert.Equal((60L, 120L, 30L, 86400L), (d.MaxAge, d.SMaxAge, d.StaleWhileRevalidate, d.StaleIfError));
    }

    [Fact]
    public void Invalid_max_age_means_stale_and_overflow_is_capped_at_two_to_the_31()
    {
        Assert.Equal(0, Parse("max-age=abc").MaxAge);
        Assert.Equal(0, Parse("max-age=").MaxAge);
        Assert.Equal(CacheDirectives.MaxDelta, Parse("max-age=99999999999999999999999").MaxAge);
    }

    [Fact]
    public void Conflicting_max_age_takes_the_smaller()
    {
        Assert.Equal(10, Parse("max-age=60", "max-age=10").MaxAge);
    }

    [Fact]
    public void Commas_inside_quoted_arguments_do_not_split()
    {
        var d = Parse("private=\"Set-Cookie, X-Foo\", max-age=5");
        Assert.True(d.Private);
        Assert.Equal(5, d.MaxAge);
    }

    [Fact]
    public void Request_directives_max_stale_and_min_fresh()
    {
        Assert.Equal(CacheDirectives.MaxDelta, Parse("max-stale").MaxStale);
        Assert.Equal(30, Parse("max-stale=30").MaxStale);
        Assert.Equal(7, Parse("min-fresh=7").MinFresh);
    }

    [Fact]
    public void Unknown_directives_are_ignored()
    {
        var d = Parse("foo, bar=\"baz\", max-age=3");
        Assert.Equal(3, d.MaxAge);
    }
}
