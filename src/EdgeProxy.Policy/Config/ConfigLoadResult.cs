namespace EdgeProxy.Policy.Config;

/// <summary>
/// What one load of the config file set produced. Any error withholds <see cref="Config"/>: a half-valid
/// policy table is never handed out, so the caller keeps running the previous one.
/// </summary>
public sealed class ConfigLoadResult
{
    public ConfigLoadResult(GatewayConfig? config, IReadOnlyList<ConfigError> errors, IReadOnlyList<string> files, string version)
    {
        Config = config;
        Errors = errors;
        Files = files;
        Version = version;
    }

    /// <summary>The merged, validated config; null when <see cref="Errors"/> is not empty.</summary>
    public GatewayConfig? Config { get; }

    /// <summary>Every problem in every file, ordered by file then position.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>The files read, in merge order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// First 16 hex digits of a SHA-256 over the relative file names and contents: identical inputs give the
    /// same id, so a reload of unchanged files can be recognised and the admin port can name the revision.
    /// </summary>
    public string Version { get; }

    public bool IsValid => Config is not null;
}
