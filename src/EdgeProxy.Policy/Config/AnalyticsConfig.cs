namespace EdgeProxy.Policy.Config;

/// <summary>
/// <c>[analytics]</c>: per-request records shipped in batches to the manager's ingest URL. Empty
/// <see cref="Endpoint"/> turns analytics off. Read at start-up (like the access log); routes' sampling reloads.
/// </summary>
public sealed record AnalyticsSettings
{
    /// <summary>The manager's ingest URL, e.g. <c>http://127.0.0.1:9900/api/ingest</c>.</summary>
    public string Endpoint { get; init; } = "";

    /// <summary>Shared secret for the HMAC-SHA256 signature of each batch; required with an endpoint.</summary>
    public string Secret { get; init; } = "";

    /// <summary>Names this gateway in batches; defaults to <c>[gateway] name</c>.</summary>
    public string GatewayId { get; init; } = "";

    /// <summary>A batch is sent when it holds this many records...</summary>
    public int BatchMaxRecords { get; init; } = 1000;

    /// <summary>...or when its oldest record is this old.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Records the request path may queue for the shipper; a full buffer drops and counts.</summary>
    public int Buffer { get; init; } = 65536;

    /// <summary><c>zstd</c>, <c>lz4</c> or <c>none</c>.</summary>
    public string Compression { get; init; } = "zstd";

    /// <summary>How long one POST may take before the batch goes to the spool.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Request samples (target and headers, secrets redacted) taken per second at most for error records; 0 takes
    /// none. The record is kept either way.
    /// </summary>
    public int ErrorSamplesPerSecond { get; init; } = 50;

    /// <summary>Directory for batches the manager could not take yet; empty: such batches are dropped (counted).</summary>
    public string SpoolDir { get; init; } = "";

    /// <summary>Bound of the spool; a batch that does not fit is dropped and its records counted.</summary>
    public long SpoolMaxBytes { get; init; } = 64L * 1024 * 1024;

    // The record's generated ToString would print the secret into any log line that formats the settings.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, Secret = {(Secret.Length > 0 ? "(set)" : "(none)")}, GatewayId = {GatewayId}, ");
        builder.Append($"BatchMaxRecords = {BatchMaxRecords}, FlushInterval = {FlushInterval}, Buffer = {Buffer}, Compression = {Compression}, ");
        builder.Append($"ErrorSamplesPerSecond = {ErrorSamplesPerSecond}, ");
        builder.Append($"Timeout = {Timeout}, SpoolDir = {SpoolDir}, SpoolMaxBytes = {SpoolMaxBytes}");
        return true;
    }
}

/// <summary>A route's <c>analytics = { sample = 0.1 }</c>: the share of successful requests kept; errors are always kept.</summary>
public sealed record RouteAnalyticsConfig
{
    public double Sample { get; init; } = 1.0;
}
