using EdgeProxy.Observability;
using EdgeProxy.Policies;
using EdgeProxy.Policy.Config;
using EdgeProxy.Upstreams;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Config;

/// <summary>Outcome of one load attempt, kept for the admin port's <c>/config</c>.</summary>
internal sealed record ReloadOutcome(bool Applied, string Version, IReadOnlyList<ConfigError> Errors, DateTimeOffset At);

/// <summary>
/// Owns the current <see cref="PolicySnapshot"/>: load → validate → compile off the request path, then publish
/// with one reference write. A config with any error never replaces the running one.
/// </summary>
internal sealed class PolicyStore
{
    private readonly Lock _reloadLock = new();
    private readonly string _path;
    private readonly UpstreamConnector _connector;
    private readonly ILogger _logger;
    private readonly LogLevelSwitch? _logLevel;
    private PolicySnapshot? _current;

    public PolicyStore(string path, UpstreamConnector connector, ILogger logger, PolicyRuntime? policies = null, LogLevelSwitch? logLevel = null)
    {
        Policies = policies ?? new PolicyRuntime();
        _path = path;
        _connector = connector;
        _logger = logger;
        _logLevel = logLevel;
    }

    public string Path => _path;

    /// <summary>Buckets and quota counters, shared by every snapshot this store compiles.</summary>
    public PolicyRuntime Policies { get; }

    /// <summary>The running snapshot; read once per request.</summary>
    public PolicySnapshot Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("no config loaded");

    public ReloadOutcome? LastOutcome { get; private set; }

    public long ReloadsApplied { get; private set; }

    public long ReloadsFailed { get; private set; }

    /// <summary>Raised after a new snapshot is visible, never before.</summary>
    public event Action<PolicySnapshot>? Applied;

    /// <summary>Loads and applies the config at <see cref="Path"/>; returns what happened.</summary>
    public ReloadOutcome Reload()
    {
        lock (_reloadLock)
        {
            return ApplyLocked(ConfigLoader.Load(_path));
        }
    }

    /// <summary>
    /// Applies a config already loaded from <see cref="Path"/> (the first one at start-up, read and parsed while the
    /// logger factory is built); returns what happened.
    /// </summary>
    public ReloadOutcome Apply(ConfigLoadResult result)
    {
        lock (_reloadLock)
        {
            return ApplyLocked(result);
        }
    }

    private ReloadOutcome ApplyLocked(ConfigLoadResult result)
    {
        var previous = Volatile.Read(ref _current);
        if (result.Config is null)
        {
            ReloadsFailed++;
            GatewayMetrics.ConfigReloads.WithLabels("failed").Inc();
            var outcome = new ReloadOutcome(false, result.Version, result.Errors, DateTimeOffset.UtcNow);
            LastOutcome = outcome;
            Log.ConfigRejected(_logger, previous?.Version ?? "(none)", string.Join('\n', result.Errors));
            return outcome;
        }

        if (previous is not null && previous.Version == result.Version)
        {
            Log.ConfigUnchanged(_logger, previous.Version);
            return LastOutcome = new ReloadOutcome(true, previous.Version, [], DateTimeOffset.UtcNow);
        }

        if (previous is not null && !previous.Config.Listeners.Equals(result.Config.Listeners))
        {
            Log.ListenersChanged(_logger, "[[listeners]] differ from the ones bound at start-up");
        }

        if (previous is not null && !previous.Config.Analytics.Equals(result.Config.Analytics))
        {
            Log.NeedsRestart(_logger, "[analytics]");
        }

        var next = SnapshotCompiler.Compile(result.Config, result.Version, result.Files, previous, _connector, Policies);
        Interlocked.Exchange(ref _current, next);

        // Before this load's own lines, so that "loaded" is written (or not) at the level it sets.
        _logLevel?.Apply(next.Config.Gateway.LogLevel);
        Caching.CacheReload.Apply(Policies.Cache, previous?.Config ?? new GatewayConfig(), next.Config);
        if (previous is not null)
        {
            SnapshotCompiler.RetireUnused(previous, next);
        }

        ReloadsApplied++;
        GatewayMetrics.ConfigReloads.WithLabels("ok").Inc();
        GatewayMetrics.ConfigLoadedAt.Set(next.LoadedAt.ToUnixTimeMilliseconds() / 1000.0);
        Log.ConfigLoaded(_logger, next.Version, next.Files.Count, next.Routes.Count, next.Clusters.Count);
        LastOutcome = new ReloadOutcome(true, next.Version, [], next.LoadedAt);
        Applied?.Invoke(next);
        return LastOutcome;
    }
}
