using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace EdgeProxy.LoadTests.Toml;

/// <summary>
/// Parses a scenario file with Tomlyn's syntax parser (which reports TOML errors with spans) and turns the syntax
/// tree into <see cref="TomlNode"/>s that remember where each key and value was written.
/// </summary>
internal sealed class TomlDocumentReader
{
    private readonly string _file;
    private readonly List<ScenarioError> _errors;

    private TomlDocumentReader(string file, List<ScenarioError> errors)
    {
        _file = file;
        _errors = errors;
    }

    /// <summary>The document's root table, or null (with errors added) when the text is not valid TOML.</summary>
    public static TomlMap? Read(string text, string file, List<ScenarioError> errors)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, file, validate: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            errors.Add(new SourcePosition(file, 1, 1).Error($"cannot parse the file: {e.Message}"));
            return null;
        }

        if (document.HasErrors)
        {
            // After the first error on a line Tomlyn's recovery tends to repeat itself: keep one per line.
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

        var reader = new TomlDocumentReader(file, errors);
        var root = new TomlMap(new SourcePosition(file, 1, 1), TomlMapOrigin.Header);
        foreach (var keyValue in document.KeyValues)
        {
            reader.AddKeyValue(root, keyValue);
        }

        foreach (var table in document.Tables)
        {
            if (reader.OpenTable(root, table) is { } target)
            {
                foreach (var keyValue in table.Items)
                {
                    reader.AddKeyValue(target, keyValue);
                }
            }
        }

        return root;
    }

    private TomlMap? OpenTable(TomlMap root, TableSyntaxBase syntax)
    {
        if (KeyParts(syntax.Name) is not { } parts)
        {
            return null;
        }

        var current = root;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            if (Descend(current, parts[i]) is not { } next)
            {
                return null;
            }

            current = next;
        }

        var header = Position(syntax);
        var (name, namePosition) = parts[^1];
        var existing = current.Find(name);
        if (syntax is TableArraySyntax)
        {
            if (existing is null)
            {
                var created = new TomlList(header, isTableArray: true);
                current.Entries.Add(new TomlEntry(name, namePosition, created));
                existing = current.Entries[^1];
            }

            if (existing.Value is not TomlList { IsTableArray: true } array)
            {
                Conflict(name, namePosition, existing);
                return null;
            }

            var element = new TomlMap(header, TomlMapOrigin.Header);
            array.Items.Add(element);
            return element;
        }

        switch (existing?.Value)
        {
            case null:
                var table = new TomlMap(header, TomlMapOrigin.Header);
                current.Entries.Add(new TomlEntry(name, namePosition, table));
                return table;
            case TomlMap { Origin: TomlMapOrigin.Implicit } implied:
                implied.Origin = TomlMapOrigin.Header;
                return implied;
            default:
                Conflict(name, namePosition, existing);
                return null;
        }
    }

    private void AddKeyValue(TomlMap table, KeyValueSyntax? syntax)
    {
        if (syntax is null || KeyParts(syntax.Key) is not { } parts || Convert(syntax.Value) is not { } value)
        {
            return;
        }

        var current = table;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            if (Descend(current, parts[i]) is not { } next)
            {
                return;
            }

            current = next;
        }

        var (name, namePosition) = parts[^1];
        if (current.Find(name) is { } existing)
        {
            Conflict(name, namePosition, existing);
            return;
        }

        current.Entries.Add(new TomlEntry(name, namePosition, value));
    }

    private TomlMap? Descend(TomlMap table, (string Name, SourcePosition Position) part)
    {
        var existing = table.Find(part.Name);
        switch (existing?.Value)
        {
            case null:
                var created = new TomlMap(part.Position, TomlMapOrigin.Implicit);
                table.Entries.Add(new TomlEntry(part.Name, part.Position, created));
                return created;
            case TomlMap { Origin: not TomlMapOrigin.Inline } child:
                return child;
            case TomlList { IsTableArray: true, Items.Count: > 0 } array when array.Items[^1] is TomlMap last:
                return last;
            default:
                Conflict(part.Name, part.Position, existing);
                return null;
        }
    }

    private TomlNode? Convert(ValueSyntax? syntax)
    {
        if (syntax is null)
        {
            return null;
        }

        var position = Position(syntax);
        switch (syntax)
        {
            case StringValueSyntax s:
                return new TomlScalar(position, TomlScalarKind.String, s.Value ?? "");
            case IntegerValueSyntax i:
                return new TomlScalar(position, TomlScalarKind.Integer, i.Token?.Text ?? "") { Integer = i.Value, Float = i.Value };
            case FloatValueSyntax f:
                return new TomlScalar(position, TomlScalarKind.Float, f.Token?.Text ?? "") { Float = f.Value };
            case BooleanValueSyntax b:
                return new TomlScalar(position, TomlScalarKind.Boolean, b.Token?.Text ?? "") { Boolean = b.Value };
            case DateTimeValueSyntax d:
                return new TomlScalar(position, TomlScalarKind.DateTime, d.Token?.Text ?? "");
            case ArraySyntax a:
                var array = new TomlList(position, isTableArray: false);
                foreach (var item in a.Items)
                {
                    if (Convert(item.Value) is { } value)
                    {
                        array.Items.Add(value);
                    }
                }

                return array;
            case InlineTableSyntax t:
                var table = new TomlMap(position, TomlMapOrigin.Inline);
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

    private void Conflict(string name, SourcePosition position, TomlEntry? existing)
    {
        var where = existing is null ? "" : $" (first defined at line {existing.KeyPosition.Line}, column {existing.KeyPosition.Column})";
        _errors.Add(position.Error($"'{name}' is already defined{where}; a TOML key or table can be defined only once"));
    }

    private SourcePosition Position(SyntaxNodeBase node) =>
        new(_file, Math.Max(1, node.Span.Start.Line + 1), Math.Max(1, node.Span.Start.Column + 1));
}
