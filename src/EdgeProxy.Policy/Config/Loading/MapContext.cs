using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>What mapping one file needs: where errors go, where positions go, and how to resolve its relative paths.</summary>
internal sealed class MapContext(string file, List<ConfigError> errors, ConfigPositions positions)
{
    private readonly string _directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? Directory.GetCurrentDirectory();

    /// <summary>The file as errors name it.</summary>
    public string File { get; } = file;

    public ConfigPositions Positions { get; } = positions;

    public void Error(SourcePosition at, string message) => errors.Add(at.Error(message));

    /// <summary>
    /// Relative paths mean "next to this file", not "next to wherever the gateway was started": a config
    /// directory can then be moved or mounted elsewhere as a unit. Empty stays empty for the validator to report.
    /// </summary>
    public string ResolvePath(string path) =>
        path.Length == 0 ? path : Path.GetFullPath(Path.IsPathFullyQualified(path) ? path : Path.Combine(_directory, path));
}
