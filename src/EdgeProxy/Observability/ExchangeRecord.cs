using System.Net;
using EdgeProxy.Http;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policy.Analytics;
using EdgeProxy.Routing;
using EdgeProxy.Upstreams;

namespace EdgeProxy.Observability;

/// <summary>
/// The facts of one finished exchange, captured once where it ends (<c>ClientConnection.Record</c>) and handed to
/// every sink: the access log turns them into a JSON line, analytics into an <see cref="AnalyticsRecord"/>.
/// References, not copies: each sink takes what it needs into its own slot.
/// </summary>
internal struct ExchangeRecord
{
    public long UnixMicroseconds;
    public int Status;
    public long BytesIn;
    public long BytesOut;
    public long DurationMicroseconds;
    public long UpstreamMicroseconds;
    public CompiledRoute? Route;
    public UpstreamEndpoint? Upstream;

    /// <summary>The authenticated consumer (never the key).</summary>
    public CompiledConsumer? Consumer;

    /// <summary>Printable client address, computed once per connection.</summary>
    public string Client;
    public IPAddress? ClientAddress;
    public ProxyErrorKind Error;

    /// <summary>Analytics name id of the policy that refused the request; 0 when none did.</summary>
    public int DeniedBy;
    public AnalyticsCacheStatus Cache;

    public static long NowUnixMicroseconds() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
}
