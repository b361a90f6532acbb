using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Caching;

/// <summary>Real request and response heads, parsed by the gateway's own parser, for the cache's unit tests.</summary>
internal static class CacheTestMessages
{
    public static (byte[] Head, RequestHead Request) Request(string target = "/a", string method = "GET", params string[] headers)
    {
        var text = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: example.com\r\n");
        foreach (var h in headers)
        {
            text.Append(h).Append("\r\n");
        }

        text.Append("\r\n");
        var head = Encoding.ASCII.GetBytes(text.ToString());
        var request = new RequestHead(100);
        Http11Parser.ParseRequest(head, request, 100);
        return (head, request);
    }

    public static (byte[] Head, ResponseHead Response) Response(int status = 200, params string[] headers)
    {
        var text = new StringBuilder($"HTTP/1.1 {status} {(status == 304 ? "Not Modified" : "OK")}\r\n");
        foreach (var h in headers)
        {
            text.Append(h).Append("\r\n");
        }

        text.Append("\r\n");
        var head = Encoding.ASCII.GetBytes(text.ToString());
        var response = new ResponseHead(100);
        Http11Parser.ParseResponse(head, response, 100);
        return (head, response);
    }

    public static RouteCachePolicy RoutePolicy(RouteCacheConfig? config = null, string route = "r") => new(route, config ?? new RouteCacheConfig());

    public static RequestCacheFacts RequestFacts(params string[] headers)
    {
        var (head, request) = Request("/a", "GET", headers);
        return RequestCacheFacts.Of(head, request);
    }

    public static ResponseCacheFacts ResponseFacts(int status, params string[] headers)
    {
        var (head, response) = Response(status, headers);
        return ResponseCacheFacts.Of(head, response);
    }

    public static string Date(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
