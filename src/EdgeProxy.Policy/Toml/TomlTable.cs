namespace EdgeProxy.Policy.Toml;

/// <summary>A table with its keys in declaration order (header transforms keep that order).</summary>
public sealed class TomlTable : TomlNode
{
    private readonly Dictionary<string, TomlEntry> _byKey = new(StringComparer.Ordinal);
    private readonly List<TomlEntry> _entries = [];

    internal TomlTable(SourcePosition position, TomlTableOrigin origin)
        : base(position) => Origin = origin;

    /// <summary>The keys in the order written.</summary>
    public IReadOnlyList<TomlEntry> Entries => _entries;

    /// <summary>How the table was declared.</summary>
    public TomlTableOrigin Origin { get; private set; }

    /// <summary>The entry for <paramref name="key"/>, or null.</summary>
    public TomlEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <inheritdoc/>
    public override string Describe() => "a table";

    internal void Add(TomlEntry entry)
    {
        _byKey.Add(entry.Key, entry);
        _entries.Add(entry);
    }

    /// <summary>
    /// <c>[a.b]</c> written after <c>[a.b.c]</c> declares a table that was so far only implied; errors about
    /// it should then point at its own header rather than at the first place that implied it.
    /// </summary>
    internal void Declare(SourcePosition header)
    {
        if (Origin == TomlTableOrigin.Implicit)
        {
            Position = header;
            Origin = TomlTableOrigin.Header;
        }
    }
}
