using System.Runtime.InteropServices;
using System.Net.Http.Headers;
using System.Text;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>Builds real wire batches (the gateway's own encoder) from readable records, and POSTs them signed.</summary>
public sealed class BatchBuilder
{
    public const string Secret = "manager-analytics-test-secret-42";

    private readonly List<string> _names = [""];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal) { [""] = 0 };

    public List<AnalyticsRecord> Records { get; } = [];

    /// <summary>Request samples in wire form, by ticket (index + 1): what a gateway's sample slots hold.</summary>
    private readonly List<byte[]> _samples = [];

    /// <summary>Gives the last record a request sample: raw wire bytes, so a test can send what no scrubbing gateway would.</summary>
    public BatchBuilder WithSample(byte[] sample)
    {
        _samples.Add(sample);
        CollectionsMarshal.AsSpan(Records)[^1].Sample = _samples.Count;
        return this;
    }

    public BatchBuilder Add(DateTimeOffset at, string route, string consumer, int status, long totalUs, long upstreamUs = 0,
        string upstream = "http://10.0.0.1:80", AnalyticsErrorKind error = AnalyticsErrorKind.None, string api = "",
        AnalyticsCacheStatus cache = AnalyticsCacheStatus.None, long bytesIn = 10, long bytesOut = 100, string policy = "", string? requestId = null)
    {
        Records.Add(new AnalyticsRecord
        {
            UnixMicroseconds = at.ToUnixTimeMilliseconds() * 1000,
            Route = Id(route),
            Api = Id(api),
            Consumer = Id(consumer),
            Upstream = Id(upstream),
            Policy = Id(policy),
            Method = AnalyticsMethod.Get,
            Status = (short)status,
            Cache = cache,
            Error = error,
            TotalMicroseconds = totalUs,
            UpstreamMicroseconds = upstreamUs,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
        });
        CollectionsMarshal.AsSpan(Records)[^1].RequestId.Set(Encoding.ASCII.GetBytes(requestId ?? $"req-{Records.Count}"));
        return this;
    }

    public byte[] Encode(ulong sequence, ulong instance = 0xfeed, string gatewayId = "gw-test", AnalyticsCompression compression = AnalyticsCompression.Zstd)
    {
        using var encoder = new AnalyticsBatchEncoder(compression);
        return encoder.Encode(gatewayId, instance, sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Records.ToArray(), id => _names[id], ticket => _samples[ticket - 1]).ToArray();
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body, string secret = Secret, DateTimeOffset? signedAt = null, string? signature = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(AnalyticsWire.ContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest") { Content = content };
        var t = (signedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation(AnalyticsSignature.HeaderName, signature ?? AnalyticsSignature.Create(Encoding.UTF8.GetBytes(secret), t, body));
        return await client.SendAsync(request);
    }

    private int Id(string name)
    {
        if (!_ids.TryGetValue(name, out var id))
        {
            id = _names.Count;
            _names.Add(name);
            _ids.Add(name, id);
        }

        return id;
    }
}
