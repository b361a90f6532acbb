namespace EdgeProxy.Policy.Config.Loading;

/// <summary>An array value, or the array behind repeated <c>[[name]]</c> headers.</summary>
internal sealed class TomlArray(SourcePosition position, bool isTableArray) : TomlNode(position)
{
    public List<TomlNode> Items { get; } = [];

    /// <summary>Built from <c>[[name]]</c> headers; TOML forbids mixing those with an inline array.</summary>
    public bool IsTableArray { get; } = isTableArray;

    public override string Describe() => IsTableArray ? "an array of tables" : "an array";
}
