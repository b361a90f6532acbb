namespace EdgeProxy.Policy.Config.Loading;

/// <summary>A table with its keys in declaration order (header transforms keep that order).</summary>
internal sealed class TomlTable(SourcePosition position, TomlTableOrigin origin) : TomlNode(position)
{
    private readonly Dictionary<string, TomlEntry> _byKey = new(StringComparer.Ordinal);

    public List<TomlEntry> Entries { get; } = [];

    public TomlTableOrigin Origin { get; private set; } = origin;

    public TomlEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    public void Add(TomlEntry entry)
    {
        _byKey.Add(entry.Key, entry);
        Entries.Add(entry);
    }

    /// <summary>
    /// <c>[a.b]</c> written after <c>[a.b.c]</c> declares a table that was so far only implied; errors about
    /// it should then point at its own header rather than at the first place that implied it.
    /// </summary>
    public void Declare(SourcePosition header)
    {
        if (Origin == TomlTableOrigin.Implicit)
        {
            Position = header;
            Origin = TomlTableOrigin.Header;
        }
    }

    public override string Describe() => "a table";
}
