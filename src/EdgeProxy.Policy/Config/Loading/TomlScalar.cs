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

    // Messages end up in logs and terminals: keep control characters visible and long values short.
    private static string Escape(string value)
    {
        var shown = value.Length > 60 ? value[..57] + "..." : value;
        var builder = new System.Text.StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            switch (c)
            {
                case '\r': builder.Append("\\r"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }
}
