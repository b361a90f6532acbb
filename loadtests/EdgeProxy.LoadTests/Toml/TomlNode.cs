namespace EdgeProxy.LoadTests.Toml;

/// <summary>A TOML value with the place it was written, so the scenario mapper can point at it.</summary>
internal abstract class TomlNode(SourcePosition position)
{
    public SourcePosition Position { get; } = position;

    public abstract string KindName { get; }
}

internal enum TomlScalarKind
{
    String,
    Integer,
    Float,
    Boolean,
    DateTime,
}

internal sealed class TomlScalar(SourcePosition position, TomlScalarKind kind, string text) : TomlNode(position)
{
    public TomlScalarKind Kind { get; } = kind;

    /// <summary>The string's value, or the literal text of any other scalar.</summary>
    public string Text { get; } = text;

    public long Integer { get; init; }

    public double Float { get; init; }

    public bool Boolean { get; init; }

    public override string KindName => Kind switch
    {
        TomlScalarKind.String => "a string",
        TomlScalarKind.Integer => "an integer",
        TomlScalarKind.Float => "a float",
        TomlScalarKind.Boolean => "a boolean",
        _ => "a date-time",
    };
}

internal sealed class TomlList(SourcePosition position, bool isTableArray) : TomlNode(position)
{
    public bool IsTableArray { get; } = isTableArray;

    public List<TomlNode> Items { get; } = [];

    public override string KindName => IsTableArray ? "an array of tables" : "an array";
}

internal enum TomlMapOrigin
{
    Header,
    Inline,
    Implicit,
}

/// <summary>A table; entries keep declaration order and the key's position.</summary>
internal sealed class TomlMap(SourcePosition position, TomlMapOrigin origin) : TomlNode(position)
{
    public TomlMapOrigin Origin { get; set; } = origin;

    public List<TomlEntry> Entries { get; } = [];

    public override string KindName => "a table";

    public TomlEntry? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key == key)
            {
                return entry;
            }
        }

        return null;
    }
}

internal sealed record TomlEntry(string Key, SourcePosition KeyPosition, TomlNode Value);
