namespace EdgeProxy.Policy.Toml;

/// <summary>
/// A TOML value that remembers where it was written. Tomlyn's syntax tree keeps positions but not TOML's
/// table semantics (dotted keys, <c>[a.b]</c> after <c>[[a]]</c>); its model has the semantics but no positions.
/// This small tree has both, so a mapper can resolve tables and still point at the offending text.
/// Built by <see cref="TomlTreeBuilder.Parse"/>; read with <see cref="TableReader"/>.
/// </summary>
public abstract class TomlNode
{
    private protected TomlNode(SourcePosition position) => Position = position;

    /// <summary>Where the value starts (for a table from a header, the header).</summary>
    public SourcePosition Position { get; private protected set; }

    /// <summary>What kind of value this is, with an article, for "expected X, found Y" messages.</summary>
    public abstract string Describe();
}
