namespace EdgeProxy.Policy.Config.Loading;

/// <summary>One key of a table with the position of the key itself (for "unknown key") and its value.</summary>
internal sealed class TomlEntry(string key, SourcePosition keyPosition, TomlNode value)
{
    public string Key { get; } = key;

    public SourcePosition KeyPosition { get; } = keyPosition;

    public TomlNode Value { get; } = value;
}
