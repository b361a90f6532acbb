using Microsoft.Extensions.Logging;

namespace EdgeProxy.Policies;

/// <summary>
/// Source-generated log messages of the policies (event ids 4xx, next to Observability.Log's 1xx config, 2xx
/// traffic and 3xx lifecycle).
/// </summary>
internal static partial class PolicyLog
{
    [LoggerMessage(400, LogLevel.Information, "Quota counts restored from {Path}: {Consumers} consumer(s), saved at {SavedAt}")]
    public static partial void QuotasRestored(ILogger logger, string path, int consumers, DateTimeOffset savedAt);

    [LoggerMessage(401, LogLevel.Error, "Quota snapshot {Path} is corrupt ({Reason}); moved aside to {MovedTo}, quota counting starts from zero")]
    public static partial void QuotaSnapshotCorrupt(ILogger logger, string path, string reason, string movedTo);

    [LoggerMessage(402, LogLevel.Error, "Quota snapshot {Path} cannot be read ({Reason}); quota counting starts from zero")]
    public static partial void QuotaSnapshotUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(403, LogLevel.Warning, "Quota counts could not be saved to {Path}: {Reason}")]
    public static partial void QuotaSnapshotFailed(ILogger logger, string path, string reason);
}
