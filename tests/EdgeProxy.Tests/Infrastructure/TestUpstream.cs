using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>A real Kestrel upstream on 127.0.0.1:0 with endpoints that exercise each proxy behaviour.</summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private TestUpstream(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Times /cacheable was served (not counting answers the gateway gave from its cache).</summary>
    public int CacheableHits => Volatile.Read(ref _cacheableHits);

    /// <summary>While true, /cacheable answers 503 (an upstream failure for stale-if-error).</summary>
    public bool FailCacheable { get; set; }

    private int _cacheableHits;

    /// <summary>Released by tests to let /sse finish; proves streaming reaches the client before the upstream is done.</summary>
    public TaskCompletionSource SseRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<TestUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, lo => lo.Protocols = HttpProtocols.Http1);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var upstream = new TestUpstream(app);
        app.UseWebSockets();
        app.Run(upstream.HandleAsync);
        await app.StartAsync();
        upstream.Port = new Uri(app.Urls.First()).Port;
        return upstream;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        var query = request.Query;
        switch (path)
        {
            case "/hello":
                response.ContentType = "text/plain";
                response.ContentLength = 13;
                await response.WriteAsync("Hello, world!");
                return;
            case "/cacheable":
                // A response a shared cache may store: ?max_age=N, ?swr=N, ?stale_if_error=N, ?etag=..., ?vary=Header, ?tag=..., ?delay_ms=N, ?pad=N (text).
                // The body names how many times this endpoint was hit, so a test can tell a cached answer from a fresh one.
                var hit = Interlocked.Increment(ref _cacheableHits);
                if (query.ContainsKey("delay_ms"))
                {
                    await Task.Delay(int.Parse(query["delay_ms"].ToString(), System.Globalization.CultureInfo.InvariantCulture));
                }

                if (FailCacheable)
                {
                    response.StatusCode = 503;
                    return;
                }

                response.Headers.CacheControl = $"public, max-age={(query.ContainsKey("max_age") ? query["max_age"].ToString() : "60")}"
                    + (query.ContainsKey("stale_if_error") ? $", stale-if-error={query["stale_if_error"]}" : "")
                    + (query.ContainsKey("swr") ? $", stale-while-revalidate={query["swr"]}" : "");
                if (query.ContainsKey("etag"))
                {
                    response.Headers.ETag = query["etag"].ToString();
                    if (request.Headers.IfNoneMatch == query["etag"].ToString())
                    {
                        response.StatusCode = 304;
                        return;
                    }
                }

                if (query.ContainsKey("vary"))
                {
                    response.Headers.Vary = query["vary"].ToString();
                }

                if (query.ContainsKey("tag"))
                {
                    response.Headers["Surrogate-Key"] = query["tag"].ToString();
                }

                response.ContentType = "text/plain";
                var varied = query.ContainsKey("vary") ? request.Headers[query["vary"].ToString()].ToString() : "";
                var pad = query.ContainsKey("pad") ? new string('x', int.Parse(query["pad"].ToString(), System.Globalization.CultureInfo.InvariantCulture)) : "";
                await response.WriteAsync($"hit {hit} {varied}{pad}");
                return;
            case "/status":
                response.StatusCode = int.Parse(query["code"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
                if (query.ContainsKey("etag"))
                {
                    response.Headers.ETag = query["etag"].ToString();
                }

                return;
            case "/headers":
                // Response-side hop-by-hop headers the proxy must strip.
                response.Headers["Keep-Alive"] = "timeout=5";
                response.Headers["X-Hop"] = "secret";
                response.Headers.Connection = "X-Hop";
                response.Headers["X-Upstream"] = "yes";
                await response.WriteAsync("ok");
                return;
            case "/chunked":
                var parts = int.Parse(query["parts"].ToString() is { Length: > 0 } p ? p : "5", System.Globalization.CultureInfo.InvariantCulture);
                for (var i = 0; i < parts; i++)
                {
                    await response.WriteAsync($"part{i};");
                    await response.Body.FlushAsync();
                }

                return;
            case "/sse":
                response.ContentType = "text/event-stream";
                await response.WriteAsync("data: first\n\n");
                await response.Body.FlushAsync();
                await SseRelease.Task.WaitAsync(TimeSpan.FromSeconds(10));
                await response.WriteAsync("data: last\n\n");
                return;
            case "/slow":
                await Task.Delay(int.Parse(query["ms"].ToString(), System.Globalization.CultureInfo.InvariantCulture));
                await response.WriteAsync("slow");
                return;
            case "/bytes":
                var total = long.Parse(query["n"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
                response.ContentLength = query.ContainsKey("chunked") ? null : total;
                var block = new byte[64 * 1024];
                for (long sent = 0; sent < total; sent += block.Length)
                {
                    await response.Body.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, total - sent)));
                }

                return;
            case "/upload":
                using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                {
                    var buffer = new byte[64 * 1024];
                    long count = 0;
                    int read;
                    while ((read = await request.Body.ReadAsync(buffer)) > 0)
                    {
                        sha.AppendData(buffer, 0, read);
                        count += read;
                    }

                    await response.WriteAsync($"{count}:{Convert.ToHexStringLower(sha.GetHashAndReset())}");
                }

                return;
            case "/ws":
                if (!context.WebSockets.IsWebSocketRequest)
                {
                    response.StatusCode = 400;
                    return;
                }

                using (var socket = await context.WebSockets.AcceptWebSocketAsync())
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                            return;
                        }

                        await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
                    }
                }

            default:
                await EchoAsync(context);
                return;
        }
    }

    /// <summary>Echoes what arrived: method, path, query, body length and every header (as lists).</summary>
    private static async Task EchoAsync(HttpContext context)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("method", request.Method);
            json.WriteString("path", request.Path.Value);
            json.WriteString("query", request.QueryString.Value);
            json.WriteString("protocol", request.Protocol);
            json.WriteNumber("body_length", body.Length);
            json.WriteString("body", Encoding.UTF8.GetString(body.ToArray()));
            json.WriteStartObject("headers");
            foreach (var header in request.Headers)
            {
                json.WriteString(header.Key.ToLowerInvariant(), header.Value.ToString());
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = output.Length;
        await context.Response.Body.WriteAsync(output.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        SseRelease.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
