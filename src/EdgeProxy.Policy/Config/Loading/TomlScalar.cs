using System.Globalization;

namespace EdgeProxy.Policy.Config.Loading;

/// <summary>A string, integer, float, boolean or date-time value.</summary>
internal sealed class TomlScalar(SourcePosition position, TomlScalarKind kind, string text) : TomlNode(position)
{
    public TomlScalarKind Kind { get; } = kind;

    /// <summary>The decoded string for strings; the source text for the other kinds.</summary>
    public string Text { get; } = text;

    public long Integer { get; init; }

    public bool Boolean { get; init; }

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
