namespace EdgeProxy.Policy.Config.Loading;

/// <summary>A 1-based place in a config file; kept beside the records, never inside them (see <see cref="ConfigPositions"/>).</summary>
internal readonly record struct SourcePosition(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";

    public ConfigError Error(string message) => new(File, Line, Column, MessageText.EscapeControls(message));
}
