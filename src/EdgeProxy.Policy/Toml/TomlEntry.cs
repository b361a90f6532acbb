namespace EdgeProxy.Policy.Toml;

/// <summary>One key of a table with the position of the key itself (for "unknown key") and its value.</summary>
public sealed class TomlEntry
{
    internal TomlEntry(string key, SourcePosition keyPosition, TomlNode value)
    {
        Key = key;
        KeyPosition = keyPosition;
        Value = value;
    }

    /// <summary>The key, unquoted.</summary>
    public string Key { get; }

    /// <summary>Where the key (the last part of a dotted key) was written.</summary>
    public SourcePosition KeyPosition { get; }

    /// <summary>The value.</summary>
    public TomlNode Value { get; }
}
