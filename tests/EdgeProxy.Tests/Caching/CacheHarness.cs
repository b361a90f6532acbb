using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using EdgeProxy.Caching;
using EdgeProxy.Http;
using EdgeProxy.Policy.Config;
using EdgeProxy.Routing;
using static EdgeProxy.Tests.Caching.CacheTestMessages;

namespace EdgeProxy.Tests.Caching;

/// <summary>
/// Drives <see cref="CacheExchange"/> the way the request loop will: real parsed heads, a real <see cref="Pipe"/> as
/// the client connection, the body teed through <see cref="CacheTeeWriter"/>.
/// </summary>
internal sealed class CacheHarness
{
    public const long Start = 1_700_000_000_000;

    public CacheHarness(CacheSettings? settings = null, RouteCacheConfig? route = null)
    {
        Cache = new ResponseCache(settings ?? new CacheSettings(), new CacheMetrics(export: false));
        Policy = RoutePolicy(route ?? new RouteCacheConfig { Ttl = TimeSpan.FromSeconds(60) });
    }

    public ResponseCache Cache { get; }

    public RouteCachePolicy Policy { get; set; }

    public long Now { get; set; } = Start;

    public HeaderTransform Transform { get; set; } = HeaderTransform.Empty;

    public CacheServeContext Context(string consumer = "") => new()
    {
        RequestId = "req-1"u8,
        Via = "1.1 edgeproxy"u8,
        CacheName = "edgeproxy"u8,
        KeepAlive = true,
        ClientVersion = HttpVersion.Http11,
        Transform = Transform,
        Scheme = "http"u8,
        ConsumerId = consumer.Length == 0 ? default : Encoding.ASCII.GetBytes(consumer),
    };

    /// <summary>One request against the cache: the outcome and whatever was written to the client.</summary>
    public (CacheOutcome Outcome, string Written) Serve(CacheExchange exchange, string target = "/a", string method = "GET", params string[] headers)
    {
        var (head, request) = Request(target, method, headers);
        var pipe = new Pipe();
        var outcome = exchange.TryServe(pipe.Writer, head, request, Policy, Context(), Now);
        return (outcome, Drain(pipe));
    }

    /// <summary>A miss's upstream exchange: response head, then the body teed through the writer in pieces. Returns what the client got.</summary>
    public string Fetch(CacheExchange exchange, string response, string body, string target = "/a", bool chunked = false, int pieces = 3, params string[] requestHeaders)
    {
        var (requestHead, request) = Request(target, "GET", requestHeaders);
        var (responseHead, parsed) = Response(200, response.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        exchange.BeginStore(requestHead, request, responseHead, parsed, Transform, Now);
        var pipe = new Pipe();
        var tee = new CacheTeeWriter();
        tee.Start(pipe.Writer, exchange, chunked);
        var bytes = Encoding.UTF8.GetBytes(body);
        var size = Math.Max(1, (bytes.Length + pieces - 1) / pieces);
        for (var i = 0; i < bytes.Length; i += size)
        {
            tee.Write(bytes.AsSpan(i, Math.Min(size, bytes.Length - i)));
        }

        exchange.CompleteStore(true);
        return Drain(pipe);
    }

    public static string Drain(Pipe pipe)
    {
        pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        if (!pipe.Reader.TryRead(out var result))
        {
            return "";
        }

        var text = Encoding.UTF8.GetString(result.Buffer.ToArray());
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    public static string Body(string written) => written[(written.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];

    public static string? Header(string written, string name)
    {
        foreach (var line in written[..written.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n"))
        {
            if (line.StartsWith(name + ": ", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 2)..];
            }
        }

        return null;
    }
}
