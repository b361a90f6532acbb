using System.Net.Http.Headers;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Analytics;

/// <summary>What the ingest made of a batch.</summary>
internal enum SendOutcome : byte
{
    /// <summary>2xx, or 409 (the manager already has this batch id).</summary>
    Accepted,

    /// <summary>Another 4xx: the batch will never be taken; retrying would block every batch behind it.</summary>
    Rejected,

    /// <summary>Connect error, timeout, 5xx, 401/403 (a secret being rotated), 429: keep it and retry later.</summary>
    Failed,
}

/// <summary>
/// POSTs encoded batches to the manager's ingest URL with the HMAC signature header. Synchronous on purpose: it runs
/// on the shipper's own thread, which has nothing else to do while a batch is in flight. A plain
/// <see cref="HttpClient"/> publishes under NativeAOT without warnings.
/// </summary>
internal sealed class AnalyticsSender(Uri endpoint, byte[] secret, TimeSpan timeout, TimeProvider time) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        ConnectTimeout = timeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    {
        Timeout = timeout,
    };

    private static readonly MediaTypeHeaderValue ContentType = new(AnalyticsWire.ContentType);

    public SendOutcome Send(ReadOnlyMemory<byte> body, out string failure, out int status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint);
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = ContentType;
        request.Content = content;

        // Signed at send time, so a batch re-sent from the spool hours later carries a fresh timestamp.
        request.Headers.TryAddWithoutValidation(AnalyticsSignature.HeaderName,
            AnalyticsSignature.Create(secret, time.GetUtcNow().ToUnixTimeSeconds(), body.Span));
        status = 0;
        try
        {
            using var response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            status = (int)response.StatusCode;
            failure = $"status {status}";
            return status switch
            {
                >= 200 and < 300 or 409 => SendOutcome.Accepted,
                401 or 403 or 408 or 429 => SendOutcome.Failed,
                >= 400 and < 500 => SendOutcome.Rejected,
                _ => SendOutcome.Failed,
            };
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or IOException)
        {
            failure = e is TaskCanceledException or OperationCanceledException ? "timed out" : e.Message;
            return SendOutcome.Failed;
        }
    }

    public void Dispose() => _client.Dispose();
}
