using EdgeProxy.Policy.Config.Loading;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>The merged config, where each record was written, and the one error list every validator appends to.</summary>
internal sealed class ValidationContext(GatewayConfig config, ConfigPositions positions, List<ConfigError> errors, bool isComplete, SourcePosition start)
{
    public GatewayConfig Config { get; } = config;

    /// <summary>
    /// False when some file could not be read or parsed. Its listeners and clusters are then unknown, so
    /// checks that something exists somewhere ("cluster 'x' is not defined") are skipped rather than
    /// reported as errors the user did not make.
    /// </summary>
    public bool IsComplete { get; } = isComplete;

    /// <summary>Where errors about the file set as a whole point: the start of the first file.</summary>
    public SourcePosition Start { get; } = start;

    public RecordPositions Of(object record) => positions.Of(record);

    public void Error(SourcePosition at, string message) => errors.Add(at.Error(message));
}
