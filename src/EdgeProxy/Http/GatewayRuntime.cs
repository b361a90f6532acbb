using EdgeProxy.Config;
using EdgeProxy.Observability;
using EdgeProxy.Policies;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Http;

/// <summary>The long-lived services every client connection uses; composed once at start-up.</summary>
internal sealed class GatewayRuntime(PolicyStore store, AccessLog? accessLog, ILogger logger, Analytics.AnalyticsCapture? analytics = null)
{
    public PolicyStore Store { get; } = store;

    public AccessLog? AccessLog { get; } = accessLog;

    /// <summary>Where exchanges go for analytics; null when <c>[analytics]</c> is off.</summary>
    public Analytics.AnalyticsCapture? Analytics { get; } = analytics;

    public ILogger Logger { get; } = logger;

    /// <summary>Open connections per client address, across listeners and reloads.</summary>
    public AcceptLimiter Accept { get; } = new();
}

/// <summary>What a listener tells its connections: its name and whether clients arrive over TLS.</summary>
internal sealed record ListenerInfo(string Name, bool IsTls)
{
    public byte[] Scheme { get; } = IsTls ? "https"u8.ToArray() : "http"u8.ToArray();
}
