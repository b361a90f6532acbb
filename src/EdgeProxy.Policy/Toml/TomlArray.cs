namespace EdgeProxy.Policy.Toml;

/// <summary>An array value, or the array behind repeated <c>[[name]]</c> headers.</summary>
public sealed class TomlArray : TomlNode
{
    private readonly List<TomlNode> _items = [];

    internal TomlArray(SourcePosition position, bool isTableArray)
        : base(position) => IsTableArray = isTableArray;

    /// <summary>The elements in the order written.</summary>
    public IReadOnlyList<TomlNode> Items => _items;

    /// <summary>Built from <c>[[name]]</c> headers; TOML forbids mixing those with an inline array.</summary>
    public bool IsTableArray { get; }

    /// <inheritdoc/>
    public override string Describe() => IsTableArray ? "an array of tables" : "an array";

    internal void Add(TomlNode item) => _items.Add(item);
}
