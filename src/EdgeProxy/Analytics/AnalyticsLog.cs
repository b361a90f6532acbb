using Microsoft.Extensions.Logging;

namespace EdgeProxy.Analytics;

/// <summary>Source-generated analytics log messages (4xx event ids). Logged on state changes only, never per batch.</summary>
internal static partial class AnalyticsLog
{
    [LoggerMessage(400, LogLevel.Information, "Analytics: shipping to {Endpoint} as gateway '{GatewayId}' ({Compression}); spool {Spool}")]
    public static partial void Started(ILogger logger, string endpoint, string gatewayId, string compression, string spool);

    [LoggerMessage(401, LogLevel.Warning, "Analytics: the manager is not taking batches ({Reason}); spooling until it is back")]
    public static partial void ManagerDown(ILogger logger, string reason);

    [LoggerMessage(402, LogLevel.Information, "Analytics: the manager takes batches again")]
    public static partial void ManagerBack(ILogger logger);

    [LoggerMessage(403, LogLevel.Warning, "Analytics: the manager refused a batch of {Records} record(s) with status {Status}; dropped")]
    public static partial void Rejected(ILogger logger, int records, int status);

    [LoggerMessage(404, LogLevel.Warning, "Analytics: spool file {File} unreadable, skipped")]
    public static partial void SpoolFileBad(ILogger logger, Exception exception, string file);
}
