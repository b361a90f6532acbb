using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Toml;

/// <summary>
/// A 1-based place in a TOML file. The gateway keeps these beside its config records, never inside them (see
/// <c>ConfigPositions</c>), so that a record compares equal however far an edit moved it.
/// </summary>
/// <param name="File">The file as messages name it.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
public readonly record struct SourcePosition(string File, int Line, int Column)
{
    /// <summary>The compiler-style <c>file:line:column</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";

    /// <summary>An error at this place; control characters quoted from the file are escaped so it stays one line.</summary>
    public ConfigError Error(string message) => new(File, Line, Column, MessageText.EscapeControls(message));
}
