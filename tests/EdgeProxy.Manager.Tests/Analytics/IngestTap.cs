using System.Collections.Concurrent;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Analytics;
using Microsoft.AspNetCore.Http;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// Sits between the gateway and the manager on 127.0.0.1:0: forwards each ingest POST (body and signature) to the
/// manager it currently points at and answers with the manager's status; keeps the batches the manager stored, so a
/// test knows the exact records (and their durations). When the manager is down the connection is reset, as a
/// stopped manager's would be.
/// </summary>
public sealed class IngestTap : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _failedForwards;

    private IngestTap()
    {
    }

    public string Url => _server.Url;

    /// <summary>Where batches go; null while the manager is down.</summary>
    public string? ManagerUrl { get; set; }

    public ConcurrentDictionary<(ulong Instance, ulong Sequence), AnalyticsBatch> Stored { get; } = new();

    public int FailedForwards => Volatile.Read(ref _failedForwards);

    public static async Task<IngestTap> StartAsync()
    {
        var tap = new IngestTap();
        tap._server = await LoopbackServer.StartAsync(tap.ForwardAsync);
        return tap;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        var target = ManagerUrl;
        if (target is null)
        {
            Interlocked.Increment(ref _failedForwards);
            context.Abort();
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, target + "/api/ingest") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        request.Headers.TryAddWithoutValidation(AnalyticsSignature.HeaderName, context.Request.Headers[AnalyticsSignature.HeaderName].ToString());
        try
        {
            using var response = await _forward.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                var batch = AnalyticsBatchDecoder.Decode(bytes);
                Assert.True(Stored.TryAdd((batch.Header.Instance, batch.Header.Sequence), batch), "the manager stored a batch twice");
            }

            context.Response.StatusCode = (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref _failedForwards);
            context.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _forward.Dispose();
        await _server.DisposeAsync();
    }
}
