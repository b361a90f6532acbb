using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Policy.Config;
using static EdgeProxy.Tests.Caching.CacheTestMessages;

namespace EdgeProxy.Tests.Caching;

public sealed class CacheKeyTests
{
    private static string Key(string target, RouteCacheConfig? config = null, string method = "GET", string consumer = "", params string[] headers)
    {
        var (head, request) = Request(target, method, headers);
        var builder = new CacheKeyBuilder();
        builder.Build(head, request, RoutePolicy(config), "http"u8, Encoding.ASCII.GetBytes(consumer));
        return Encoding.ASCII.GetString(builder.Key).Replace('\0', '|').Replace('\u0001', '^');
    }

    [Fact]
    public void Key_has_method_scheme_host_path_and_query()
    {
        Assert.Equal("GET|http|example.com|/a/b|x=1|", Key("/a/b?x=1", new RouteCacheConfig { SortQuery = false }));
    }

    [Fact]
    public void Head_shares_get_key()
    {
        Assert.Equal(Key("/a"), Key("/a", method: "HEAD"));
    }

    [Fact]
    public void Host_is_case_insensitive()
    {
        var head = Encoding.ASCII.GetBytes("GET /a HTTP/1.1\r\nHost: EXAMPLE.com\r\n\r\n");
        var request = new EdgeProxy.Http.RequestHead(10);
        EdgeProxy.Http.Http11Parser.ParseRequest(head, request, 10);
        var builder = new CacheKeyBuilder();
        builder.Build(head, request, RoutePolicy(), "http"u8, default);
        Assert.Contains("|example.com|", Encoding.ASCII.GetString(builder.Key).Replace('\0', '|'), StringComparison.Ordinal);
    }

    [Fact]
    public void Query_is_sorted_and_ignored_parameters_dropped()
    {
        var config = new RouteCacheConfig { IgnoreQuery = new[] { "utm_source", "fbclid" } };
        Assert.Equal(Key("/a?a=1&b=2"), Key("/a?b=2&a=1"));
        Assert.Equal(Key("/a?a=1&b=2", config), Key("/a?utm_source=x&b=2&fbclid&a=1", config));
        Assert.NotEqual(Key("/a?a=1"), Key("/a?a=2"));
        Assert.EndsWith("|a=1&b=2|", Key("/a?b=2&&a=1"), StringComparison.Ordinal);
    }

    [Fact]
    public void Unsorted_query_keeps_its_order()
    {
        var config = new RouteCacheConfig { SortQuery = false };
        Assert.NotEqual(Key("/a?a=1&b=2", config), Key("/a?b=2&a=1", config));
    }

    [Fact]
    public void Route_vary_headers_and_private_consumer_are_in_the_key()
    {
        var vary = new RouteCacheConfig { Vary = new[] { "Accept-Language" } };
        Assert.NotEqual(Key("/a", vary, headers: "Accept-Language: en"), Key("/a", vary, headers: "Accept-Language: de"));
        Assert.Equal(Key("/a", vary, headers: "Accept-Language: en"), Key("/a", vary, headers: "Accept-Language:   en  "));

        var priv = new RouteCacheConfig { Private = true };
        Assert.NotEqual(Key("/a", priv, consumer: "alice"), Key("/a", priv, consumer: "bob"));
        Assert.Equal(Key("/a", consumer: "alice"), Key("/a", consumer: "bob"));
    }

    [Fact]
    public void Upstream_vary_appends_request_values_after_the_base()
    {
        var (head, request) = Request("/a", "GET", "Accept-Encoding: gzip", "Accept: text/html");
        var builder = new CacheKeyBuilder();
        builder.Build(head, request, RoutePolicy(), "https"u8, default);
        var baseLength = builder.Key.Length;
        builder.AppendVary(head, request.Headers, [Encoding.ASCII.GetBytes("accept"), Encoding.ASCII.GetBytes("accept-encoding")]);
        Assert.Equal("^accept=text/html^accept-encoding=gzip", Encoding.ASCII.GetString(builder.Key[baseLength..]).Replace('\u0001', '^'));
        builder.TruncateToBase();
        Assert.Equal(baseLength, builder.Key.Length);
    }
}
