using System.Collections.Concurrent;
using System.Net;
using System.Text;
using EdgeProxy.Policy.Analytics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// A stand-in for the manager's ingest endpoint on 127.0.0.1: checks the signature and decodes each batch with the
/// shared <see cref="AnalyticsBatchDecoder"/>, keeping batches in arrival order. Can be stopped and started again on
/// the same port, to play a manager that goes down and comes back.
/// </summary>
public sealed class TestIngest : IAsyncDisposable
{
    private readonly byte[] _secret;
    private WebApplication? _app;

    private TestIngest(string secret) => _secret = Encoding.UTF8.GetBytes(secret);

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}/api/ingest";

    public ConcurrentQueue<AnalyticsBatch> Batches { get; } = new();

    /// <summary>Requests whose signature did not verify (answered 401) or whose body did not decode (400).</summary>
    public int BadSignatures => Volatile.Read(ref _badSignatures);

    public int Malformed => Volatile.Read(ref _malformed);

    public int RecordCount => Batches.Sum(b => b.Records.Length);

    private int _badSignatures;
    private int _malformed;

    public static async Task<TestIngest> StartAsync(string secret, int port = 0)
    {
        var ingest = new TestIngest(secret);
        await ingest.StartAsync(port);
        return ingest;
    }

    /// <summary>Starts listening (again) on <see cref="Port"/>, or a free port the first time.</summary>
    public async Task StartAsync(int port = -1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var bind = port >= 0 ? port : Port;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, bind, lo => lo.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        Port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>Stops listening: the gateway's next POST gets "connection refused".</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task WaitForRecordsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (RecordCount < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        if (!AnalyticsSignature.Verify(_secret, context.Request.Headers[AnalyticsSignature.HeaderName], body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)))
        {
            Interlocked.Increment(ref _badSignatures);
            context.Response.StatusCode = 401;
            return;
        }

        try
        {
            Batches.Enqueue(AnalyticsBatchDecoder.Decode(body));
            context.Response.StatusCode = 204;
        }
        catch (AnalyticsFormatException)
        {
            Interlocked.Increment(ref _malformed);
            context.Response.StatusCode = 400;
        }
    }
}
