namespace EdgeProxy.Policies.Quotas;

internal enum QuotaRestoreStatus
{
    /// <summary>No snapshot yet (first start, or no <c>[quota_store] directory</c>).</summary>
    NotFound,

    Restored,

    /// <summary>The file was not a valid snapshot; it was renamed to <see cref="QuotaRestoreResult.MovedTo"/>.</summary>
    Corrupt,

    /// <summary>The file exists but could not be read (permissions, I/O error); it was left in place.</summary>
    Unreadable,
}

/// <summary>What <see cref="QuotaSnapshotStore.Restore"/> found, for the start-up log and the admin port.</summary>
internal sealed record QuotaRestoreResult(QuotaRestoreStatus Status, int Consumers, string? Reason, string? MovedTo, DateTimeOffset? SavedAt);
