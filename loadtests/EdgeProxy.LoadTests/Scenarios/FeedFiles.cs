using System.Text.Json;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.LoadTests.Scenarios;

/// <summary>Reads a feed from CSV (first row: column names) or JSON (an array of strings or of flat objects).</summary>
internal static class FeedFiles
{
    private const int MaxRows = 10_000_000;

    public static (IReadOnlyList<string> Columns, List<string[]> Rows)? Read(string path, SourcePosition position, List<ConfigError> errors)
    {
        try
        {
            return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ReadJson(path, position, errors) : ReadCsv(path, position, errors);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            errors.Add(position.Error($"cannot read feed file '{path}': {e.Message}"));
            return null;
        }
    }

    private static (IReadOnlyList<string>, List<string[]>)? ReadCsv(string path, SourcePosition position, List<ConfigError> errors)
    {
        using var reader = new StreamReader(path);
        string[]? columns = null;
        var rows = new List<string[]>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (SplitCsv(line) is not { } fields)
            {
                errors.Add(new SourcePosition(path, lineNumber, 1).Error("unbalanced quotes (fields may be quoted with \"...\" and may not span lines)"));
                return null;
            }

            if (columns is null)
            {
                columns = fields;
                continue;
            }

            if (fields.Length != columns.Length)
            {
                errors.Add(new SourcePosition(path, lineNumber, 1).Error($"{fields.Length} fields where the header has {columns.Length}"));
                return null;
            }

            if (rows.Count == MaxRows)
            {
                errors.Add(position.Error($"feed file has more than {MaxRows} rows"));
                return null;
            }

            rows.Add(fields);
        }

        if (columns is null)
        {
            errors.Add(position.Error($"feed file '{path}' is empty (a CSV feed starts with a row of column names)"));
            return null;
        }

        return (columns, rows);
    }

    private static string[]? SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            return null;
        }

        fields.Add(field.ToString().TrimEnd('\r'));
        return [.. fields];
    }

    private static (IReadOnlyList<string>, List<string[]>)? ReadJson(string path, SourcePosition position, List<ConfigError> errors)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            errors.Add(position.Error($"JSON feed '{path}' must be an array of strings or of objects"));
            return null;
        }

        List<string>? columns = null;
        var rows = new List<string[]>();
        var index = 0;
        foreach (var item in document.RootElement.EnumerateArray())
        {
            index++;
            if (item.ValueKind == JsonValueKind.Object)
            {
                columns ??= [.. item.EnumerateObject().Select(p => p.Name)];
                var row = new string[columns.Count];
                for (var c = 0; c < columns.Count; c++)
                {
                    if (!item.TryGetProperty(columns[c], out var value) || value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        errors.Add(position.Error($"JSON feed '{path}': element {index} lacks '{columns[c]}' or holds an object/array there"));
                        return null;
                    }

                    row[c] = Scalar(value);
                }

                rows.Add(row);
            }
            else if (item.ValueKind is JsonValueKind.String or JsonValueKind.Number && (columns is null || columns is ["value"]))
            {
                columns ??= ["value"];
                rows.Add([Scalar(item)]);
            }
            else
            {
                errors.Add(position.Error($"JSON feed '{path}': element {index} must be a string, number or flat object like the others"));
                return null;
            }

            if (rows.Count > MaxRows)
            {
                errors.Add(position.Error($"feed file has more than {MaxRows} rows"));
                return null;
            }
        }

        return (columns ?? ["value"], rows);
    }

    private static string Scalar(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
