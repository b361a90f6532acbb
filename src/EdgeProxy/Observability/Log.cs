using Microsoft.Extensions.Logging;

namespace EdgeProxy.Observability;

/// <summary>Source-generated log messages; event ids are stable (1xx config, 2xx traffic, 3xx lifecycle).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Config {Version} loaded from {FileCount} file(s): {RouteCount} route(s), {ClusterCount} cluster(s)")]
    public static partial void ConfigLoaded(ILogger logger, string version, int fileCount, int routeCount, int clusterCount);

    [LoggerMessage(101, LogLevel.Error, "Config reload rejected, still serving {Version}:\n{Errors}")]
    public static partial void ConfigRejected(ILogger logger, string version, string errors);

    [LoggerMessage(102, LogLevel.Information, "Config unchanged ({Version}); nothing to reload")]
    public static partial void ConfigUnchanged(ILogger logger, string version);

    [LoggerMessage(103, LogLevel.Warning, "Listener changes need a restart and were not applied: {Detail}")]
    public static partial void ListenersChanged(ILogger logger, string detail);

    [LoggerMessage(104, LogLevel.Warning, "{Section} changed, but it is read at start-up: restart to apply it")]
    public static partial void NeedsRestart(ILogger logger, string section);

    [LoggerMessage(200, LogLevel.Debug, "Bad request from {Client}: {Reason}")]
    public static partial void BadRequest(ILogger logger, string client, string reason);

    [LoggerMessage(201, LogLevel.Debug, "Upstream exchange failed ({Kind}) on route {Route}: {Message}")]
    public static partial void UpstreamFailed(ILogger logger, string kind, string route, string message);

    [LoggerMessage(202, LogLevel.Warning, "Unexpected error on a client connection from {Client}")]
    public static partial void ConnectionError(ILogger logger, Exception exception, string client);

    [LoggerMessage(210, LogLevel.Warning, "Background refresh of a stale cache entry failed: {Reason}")]
    public static partial void CacheRefreshFailed(ILogger logger, string reason);

    [LoggerMessage(300, LogLevel.Information, "Listening on {Address} ({Name})")]
    public static partial void Listening(ILogger logger, string address, string name);

    [LoggerMessage(301, LogLevel.Information, "Draining: no new connections, waiting up to {Seconds} s for in-flight requests")]
    public static partial void Draining(ILogger logger, double seconds);
}
