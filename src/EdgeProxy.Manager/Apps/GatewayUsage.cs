using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeProxy.Manager.Apps;

/// <summary>
/// A subscription's quota usage as the gateway counts it, from the admin port's <c>/usage/{consumer}</c>.
/// The manager keeps no counts of its own; when the gateway cannot be asked, the page says so.
/// </summary>
public sealed class GatewayUsage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly HttpClient _http;

    public GatewayUsage(ManagerOptions options) =>
        _http = new HttpClient { BaseAddress = new Uri(options.GatewayAdminUrl + "/"), Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The consumer's periods, or null when the gateway does not answer (or does not know the consumer yet).</summary>
    public async Task<IReadOnlyList<QuotaUsage>?> ReadAsync(string consumerId, CancellationToken cancellation)
    {
        try
        {
            var usage = await _http.GetFromJsonAsync<ConsumerUsage>("usage/" + Uri.EscapeDataString(consumerId), Json, cancellation);
            return usage?.Periods ?? [];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public sealed record ConsumerUsage(string Consumer, DateTimeOffset At, List<QuotaUsage> Periods);

    public sealed record QuotaUsage(string Period, DateTimeOffset Start, DateTimeOffset ResetsAt, long Used, long? Limit)
    {
        public long? Remaining => Limit is { } limit ? Math.Max(0, limit - Used) : null;
    }
}
