using System.Text;
using EdgeProxy.Policies.Auth;
using EdgeProxy.Policies.RateLimiting;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Policies;

/// <summary>
/// The access policies of one snapshot (keys, plan limits, header settings) in the form the request path reads:
/// names as bytes, limits bound to the long-lived <see cref="PolicyRuntime"/> buckets.
/// </summary>
internal sealed class CompiledAccess
{
    private CompiledAccess(GatewayConfig config, PolicyRuntime runtime)
    {
        Runtime = runtime;
        Keys = ApiKeyStore.Compile(config);
        Limits = CompiledRateLimits.Compile(config, runtime.Limiter);
        var keys = config.ApiKeys;
        KeyHeader = Encoding.ASCII.GetBytes(keys.Header);
        KeyQueryParameter = string.IsNullOrEmpty(keys.QueryParameter) ? null : Encoding.ASCII.GetBytes(keys.QueryParameter + "=");
        ConsumerHeader = string.IsNullOrEmpty(keys.ForwardConsumerHeader) ? null : Encoding.ASCII.GetBytes(keys.ForwardConsumerHeader);
        Challenge = Encoding.ASCII.GetBytes($"WWW-Authenticate: ApiKey header=\"{keys.Header}\"\r\n");
        HeaderFormats = config.RateLimiting.Headers;
        HeadersOnEveryResponse = config.RateLimiting.HeadersOn == RateLimitHeadersOn.All;

        // Route and plan limits plus one status per quota period.
        MaxStatuses = Limits.MaxPerRequest + 4;
    }

    public PolicyRuntime Runtime { get; }

    public ApiKeyStore Keys { get; }

    public CompiledRateLimits Limits { get; }

    public byte[] KeyHeader { get; }

    /// <summary><c>name=</c> of the query parameter that may carry the key; null when keys come only in the header.</summary>
    public byte[]? KeyQueryParameter { get; }

    /// <summary>Header naming the consumer upstream; any incoming copy is removed so a client cannot claim an identity.</summary>
    public byte[]? ConsumerHeader { get; }

    /// <summary>The full <c>WWW-Authenticate</c> line of a 401 for a missing key.</summary>
    public byte[] Challenge { get; }

    public RateLimitHeaderFormats HeaderFormats { get; }

    /// <summary>Rate-limit headers on every response of a limited route, not only on 429s.</summary>
    public bool HeadersOnEveryResponse { get; }

    public int MaxStatuses { get; }

    public static CompiledAccess Compile(GatewayConfig config, PolicyRuntime runtime) => new(config, runtime);
}
