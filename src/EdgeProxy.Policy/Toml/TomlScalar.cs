using System.Globalization;

namespace EdgeProxy.Policy.Toml;

/// <summary>A string, integer, float, boolean or date-time value.</summary>
public sealed class TomlScalar : TomlNode
{
    internal TomlScalar(SourcePosition position, TomlScalarKind kind, string text)
        : base(position)
    {
        Kind = kind;
        Text = text;
    }

    /// <summary>Which of the scalar kinds this is.</summary>
    public TomlScalarKind Kind { get; }

    /// <summary>The decoded string for strings; the source text for the other kinds.</summary>
    public string Text { get; }

    /// <summary>The value of an <see cref="TomlScalarKind.Integer"/>; 0 for other kinds.</summary>
    public long Integer { get; internal init; }

    /// <summary>The value of a <see cref="TomlScalarKind.Boolean"/>; false for other kinds.</summary>
    public bool Boolean { get; internal init; }

    /// <inheritdoc/>
    public override string Describe() => Kind switch
    {
        TomlScalarKind.String => $"the string \"{Escape(Text)}\"",
        TomlScalarKind.Integer => $"the integer {Integer.ToString(CultureInfo.InvariantCulture)}",
        TomlScalarKind.Float => $"the float {Text}",
        TomlScalarKind.Boolean => Boolean ? "the boolean true" : "the boolean false",
        _ => $"the date-time {Text}",
    };

    // Quotes inside the value are escaped so the quoted form reads unambiguously; control characters are
    // escaped for the whole message by MessageText.
    private static string Escape(string value)
    {
        var shown = value.Length > 60 ? value[..57] + "..." : value;
        return shown.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
    }
}
