using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>Where one config record and each of its keys were written.</summary>
internal sealed class RecordPositions(SourcePosition header)
{
    private readonly Dictionary<string, (SourcePosition Key, SourcePosition Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _invalid = new(StringComparer.Ordinal);

    /// <summary>The table header (or inline table) that declared the record; used when a key is missing.</summary>
    public SourcePosition Header { get; } = header;

    public void Set(string key, SourcePosition keyPosition, SourcePosition valuePosition) => _entries[key] = (keyPosition, valuePosition);

    /// <summary>
    /// Marks a key whose value the mapper already rejected (wrong type, bad format), so validators do not
    /// pile a second, derived error ("endpoints is empty") onto the first.
    /// </summary>
    public void MarkInvalid(string key) => _invalid.Add(key);

    public bool Has(string key) => _entries.ContainsKey(key);

    public bool IsInvalid(string key) => _invalid.Contains(key);

    /// <summary>The value's position, or the header when the key was not written.</summary>
    public SourcePosition Value(string key) => _entries.TryGetValue(key, out var entry) ? entry.Value : Header;

    /// <summary>The key's position, or the header when the key was not written.</summary>
    public SourcePosition Key(string key) => _entries.TryGetValue(key, out var entry) ? entry.Key : Header;

    /// <summary>Position of element <paramref name="index"/> of an array-valued key.</summary>
    public SourcePosition Item(string key, int index) => Value(ItemKey(key, index));

    public static string ItemKey(string key, int index) => $"{key}[{index}]";
}
