using EdgeProxy.Policy.Config;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace EdgeProxy.Policy.Toml;

/// <summary>
/// Turns Tomlyn's syntax tree (which Tomlyn has already checked for TOML errors such as redefined keys) into
/// <see cref="TomlNode"/>s, applying TOML's table rules: dotted keys and headers create intermediate tables,
/// and <c>[a.b]</c> after <c>[[a]]</c> lands in the last element of <c>a</c>.
/// </summary>
public sealed class TomlTreeBuilder
{
    private readonly string _file;
    private readonly List<ConfigError> _errors;

    private TomlTreeBuilder(string file, List<ConfigError> errors)
    {
        _file = file;
        _errors = errors;
    }

    /// <summary>
    /// Parses <paramref name="text"/> and returns its root table, or null (with errors added) when it is not
    /// valid TOML. Every error is added to <paramref name="errors"/> at <c>file:line:column</c>, named by
    /// <paramref name="file"/>.
    /// </summary>
    public static TomlTable? Parse(string text, string file, List<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, file, validate: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Tomlyn reports problems as diagnostics; a throw is a parser bug, still the file's problem to report.
            errors.Add(new ConfigError(file, 1, 1, $"cannot parse the file: {e.Message}"));
            return null;
        }

        if (!document.HasErrors)
        {
            return Build(document, file, errors);
        }

        // One error per line: after the first, Tomlyn's recovery often reports the rest of the line again.
        var lastLine = -1;
        foreach (var diagnostic in document.Diagnostics)
        {
            var line = Math.Max(1, diagnostic.Span.Start.Line + 1);
            if (diagnostic.Kind == DiagnosticMessageKind.Error && line != lastLine)
            {
                errors.Add(new SourcePosition(file, line, Math.Max(1, diagnostic.Span.Start.Column + 1)).Error(diagnostic.Message));
                lastLine = line;
            }
        }

        return null;
    }

    private static TomlTable Build(DocumentSyntax document, string file, List<ConfigError> errors)
    {
        var builder = new TomlTreeBuilder(file, errors);
        var root = new TomlTable(new SourcePosition(file, 1, 1), TomlTableOrigin.Header);
        foreach (var keyValue in document.KeyValues)
        {
            builder.AddKeyValue(root, keyValue);
        }

        foreach (var table in document.Tables)
        {
            if (builder.OpenTable(root, table) is { } target)
            {
                foreach (var keyValue in table.Items)
                {
                    builder.AddKeyValue(target, keyValue);
                }
            }
        }

        return root;
    }

    private TomlTable? OpenTable(TomlTable root, TableSyntaxBase syntax)
    {
        var parts = KeyParts(syntax.Name);
        if (parts is null)
        {
            return null;
        }

        var header = Position(syntax);
        var current = root;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            current = Descend(current, parts[i]);
            if (current is null)
            {
                return null;
            }
        }

        var (name, namePosition) = parts[^1];
        var existing = current.Find(name);
        if (syntax is TableArraySyntax)
        {
            TomlArray array;
            if (existing is null)
            {
                array = new TomlArray(header, isTableArray: true);
                current.Add(new TomlEntry(name, namePosition, array));
            }
            else if (existing.Value is TomlArray { IsTableArray: true } tableArray)
            {
                array = tableArray;
            }
            else
            {
                Conflict(name, namePosition, existing);
                return null;
            }

            var element = new TomlTable(header, TomlTableOrigin.Header);
            array.Add(element);
            return element;
        }

        if (existing is null)
        {
            var table = new TomlTable(header, TomlTableOrigin.Header);
            current.Add(new TomlEntry(name, namePosition, table));
            return table;
        }

        if (existing.Value is TomlTable { Origin: TomlTableOrigin.Implicit } implied)
        {
            implied.Declare(header);
            return implied;
        }

        Conflict(name, namePosition, existing);
        return null;
    }

    private void AddKeyValue(TomlTable table, KeyValueSyntax? syntax)
    {
        var parts = KeyParts(syntax?.Key);
        if (syntax is null || parts is null || Convert(syntax.Value) is not { } value)
        {
            return;
        }

        var current = table;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            current = Descend(current, parts[i]);
            if (current is null)
            {
                return;
            }
        }

        var (name, namePosition) = parts[^1];
        if (current.Find(name) is { } existing)
        {
            Conflict(name, namePosition, existing);
            return;
        }

        current.Add(new TomlEntry(name, namePosition, value));
    }

    private TomlTable? Descend(TomlTable table, (string Name, SourcePosition Position) part)
    {
        var existing = table.Find(part.Name);
        switch (existing?.Value)
        {
            case null:
                var created = new TomlTable(part.Position, TomlTableOrigin.Implicit);
                table.Add(new TomlEntry(part.Name, part.Position, created));
                return created;
            case TomlTable { Origin: not TomlTableOrigin.Inline } child:
                return child;
            case TomlArray { IsTableArray: true, Items.Count: > 0 } array when array.Items[^1] is TomlTable last:
                return last;
            default:
                Conflict(part.Name, part.Position, existing);
                return null;
        }
    }

    private TomlNode? Convert(ValueSyntax? syntax)
    {
        var position = syntax is null ? default : Position(syntax);
        switch (syntax)
        {
            case StringValueSyntax s:
                return new TomlScalar(position, TomlScalarKind.String, s.Value ?? "");
            case IntegerValueSyntax i:
                return new TomlScalar(position, TomlScalarKind.Integer, i.Token?.Text ?? "") { Integer = i.Value };
            case FloatValueSyntax f:
                return new TomlScalar(position, TomlScalarKind.Float, f.Token?.Text ?? "");
            case BooleanValueSyntax b:
                return new TomlScalar(position, TomlScalarKind.Boolean, b.Token?.Text ?? "") { Boolean = b.Value };
            case DateTimeValueSyntax d:
                return new TomlScalar(position, TomlScalarKind.DateTime, d.Token?.Text ?? "");
            case ArraySyntax a:
                var array = new TomlArray(position, isTableArray: false);
                foreach (var item in a.Items)
                {
                    if (Convert(item.Value) is { } value)
                    {
                        array.Add(value);
                    }
                }

                return array;
            case InlineTableSyntax t:
                var table = new TomlTable(position, TomlTableOrigin.Inline);
                foreach (var item in t.Items)
                {
                    AddKeyValue(table, item.KeyValue);
                }

                return table;
            default:
                return null;
        }
    }

    private List<(string Name, SourcePosition Position)>? KeyParts(KeySyntax? key)
    {
        if (key is null || Part(key.Key) is not { } first)
        {
            return null;
        }

        var parts = new List<(string, SourcePosition)> { first };
        foreach (var dotted in key.DotKeys)
        {
            if (Part(dotted.Key) is not { } part)
            {
                return null;
            }

            parts.Add(part);
        }

        return parts;
    }

    private (string Name, SourcePosition Position)? Part(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => (bare.Key?.Text ?? "", Position(bare)),
        StringValueSyntax quoted => (quoted.Value ?? "", Position(quoted)),
        _ => null,
    };

    // Tomlyn rejects most redefinitions itself (the tree is built only when it reports none), but not every
    // one, e.g. a [section] that extends an inline table; this keeps the builder total rather than silently
    // keeping one of the values.
    private void Conflict(string name, SourcePosition position, TomlEntry? existing)
    {
        if (existing?.Value is TomlTable { Origin: TomlTableOrigin.Inline } inline)
        {
            _errors.Add(position.Error($"'{name}' is an inline table (line {inline.Position.Line}, column {inline.Position.Column}), which cannot be extended; write it as a [section] to add to it"));
            return;
        }

        var where = existing is null ? "" : $" (first defined at line {existing.KeyPosition.Line}, column {existing.KeyPosition.Column})";
        _errors.Add(position.Error($"'{name}' is already defined{where}; a TOML key or table can be defined only once"));
    }

    private SourcePosition Position(SyntaxNodeBase node) =>
        new(_file, Math.Max(1, node.Span.Start.Line + 1), Math.Max(1, node.Span.Start.Column + 1));
}
