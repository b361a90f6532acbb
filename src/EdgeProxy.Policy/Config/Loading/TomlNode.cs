namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// A TOML value that remembers where it was written. Tomlyn's syntax tree keeps positions but not TOML's
/// table semantics (dotted keys, <c>[a.b]</c> after <c>[[a]]</c>); its model has the semantics but no positions.
/// This small tree has both, so the mapper can resolve tables and still point at the offending text.
/// </summary>
internal abstract class TomlNode(SourcePosition position)
{
    public SourcePosition Position { get; protected set; } = position;

    /// <summary>What kind of value this is, with an article, for "expected X, found Y" messages.</summary>
    public abstract string Describe();
}
