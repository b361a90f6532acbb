using System.Globalization;

namespace EdgeProxy.LoadTests.Toml;

/// <summary>
/// Reads typed values out of one TOML table, adding an error (never throwing) for every wrong type or range, and
/// at the end for every key nobody asked for, so a typo such as <c>durration</c> is reported, not ignored.
/// </summary>
internal sealed class TableReader
{
    private readonly TomlMap _map;
    private readonly List<ScenarioError> _errors;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public TableReader(TomlMap map, string name, List<ScenarioError> errors)
    {
        _map = map;
        Name = name;
        _errors = errors;
    }

    /// <summary>The table's name as the user wrote it, used in messages: <c>[[steps]] 'hello'</c>.</summary>
    public string Name { get; }

    public SourcePosition Position => _map.Position;

    public List<ScenarioError> Errors => _errors;

    public bool Has(string key) => _map.Find(key) is not null;

    public SourcePosition PositionOf(string key) => _map.Find(key)?.Value.Position ?? _map.Position;

    public TomlNode? Node(string key)
    {
        _read.Add(key);
        return _map.Find(key)?.Value;
    }

    public string? String(string key, bool required = false)
    {
        switch (Node(key))
        {
            case null:
                if (required)
                {
                    Error($"{Name} needs '{key}'");
                }

                return null;
            case TomlScalar { Kind: TomlScalarKind.String } s:
                return s.Text;
            case var other:
                Wrong(key, other, "a string");
                return null;
        }
    }

    public long? Integer(string key, long min, long max, bool required = false)
    {
        switch (Node(key))
        {
            case null:
                if (required)
                {
                    Error($"{Name} needs '{key}'");
                }

                return null;
            case TomlScalar { Kind: TomlScalarKind.Integer } i when i.Integer >= min && i.Integer <= max:
                return i.Integer;
            case TomlScalar { Kind: TomlScalarKind.Integer } i:
                _errors.Add(i.Position.Error($"'{key}' must be between {min} and {max}, not {i.Integer}"));
                return null;
            case var other:
                Wrong(key, other, "an integer");
                return null;
        }
    }

    /// <summary>An integer or a float.</summary>
    public double? Number(string key, double min, double max, bool required = false)
    {
        switch (Node(key))
        {
            case null:
                if (required)
                {
                    Error($"{Name} needs '{key}'");
                }

                return null;
            case TomlScalar { Kind: TomlScalarKind.Integer or TomlScalarKind.Float } n when n.Float >= min && n.Float <= max:
                return n.Float;
            case TomlScalar { Kind: TomlScalarKind.Integer or TomlScalarKind.Float } n:
                _errors.Add(n.Position.Error($"'{key}' must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}, not {n.Text}"));
                return null;
            case var other:
                Wrong(key, other, "a number");
                return null;
        }
    }

    public bool? Boolean(string key)
    {
        switch (Node(key))
        {
            case null:
                return null;
            case TomlScalar { Kind: TomlScalarKind.Boolean } b:
                return b.Boolean;
            case var other:
                Wrong(key, other, "true or false");
                return null;
        }
    }

    /// <summary>A duration written as <c>"250ms"</c>, <c>"10s"</c>, <c>"2m"</c> or an integer of seconds.</summary>
    public TimeSpan? Duration(string key, TimeSpan min, TimeSpan max, bool required = false)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required)
            {
                Error($"{Name} needs '{key}'");
            }

            return null;
        }

        TimeSpan? value = node switch
        {
            TomlScalar { Kind: TomlScalarKind.Integer } i => TimeSpan.FromSeconds(i.Integer),
            TomlScalar { Kind: TomlScalarKind.String } s => DurationText.TryParse(s.Text, out var parsed) ? parsed : null,
            _ => null,
        };
        if (value is null)
        {
            _errors.Add(node.Position.Error($"'{key}' must be a duration such as \"500ms\", \"10s\" or \"2m\""));
            return null;
        }

        if (value < min || value > max)
        {
            _errors.Add(node.Position.Error($"'{key}' must be between {DurationText.Format(min)} and {DurationText.Format(max)}, not {DurationText.Format(value.Value)}"));
            return null;
        }

        return value;
    }

    /// <summary>A size in bytes written as an integer or <c>"16KiB"</c>, <c>"1MiB"</c>.</summary>
    public long? Size(string key, long min, long max)
    {
        var node = Node(key);
        long? value = node switch
        {
            null => null,
            TomlScalar { Kind: TomlScalarKind.Integer } i => i.Integer,
            TomlScalar { Kind: TomlScalarKind.String } s => SizeText.TryParse(s.Text, out var parsed) ? parsed : -1,
            _ => -1,
        };
        if (node is null)
        {
            return null;
        }

        if (value is null or < 0)
        {
            _errors.Add(node.Position.Error($"'{key}' must be a size such as 512, \"16KiB\" or \"1MiB\""));
            return null;
        }

        if (value < min || value > max)
        {
            _errors.Add(node.Position.Error($"'{key}' must be between {min} and {max} bytes, not {value}"));
            return null;
        }

        return value;
    }

    public TableReader? Table(string key)
    {
        switch (Node(key))
        {
            case null:
                return null;
            case TomlMap map:
                return new TableReader(map, Name.Length == 0 ? $"[{key}]" : $"'{key}' of {Name}", _errors);
            case var other:
                Wrong(key, other, "a table");
                return null;
        }
    }

    /// <summary>Elements of <c>[[key]]</c> (or an array of inline tables).</summary>
    public List<TableReader> Tables(string key)
    {
        var result = new List<TableReader>();
        switch (Node(key))
        {
            case null:
                break;
            case TomlList list:
                foreach (var item in list.Items)
                {
                    if (item is TomlMap map)
                    {
                        result.Add(new TableReader(map, $"[[{key}]] entry {result.Count + 1}", _errors));
                    }
                    else
                    {
                        _errors.Add(item.Position.Error($"'{key}' must hold tables, not {item.KindName}"));
                    }
                }

                break;
            case var other:
                Wrong(key, other, "an array of tables ([[" + key + "]])");
                break;
        }

        return result;
    }

    public List<TomlNode>? Array(string key)
    {
        switch (Node(key))
        {
            case null:
                return null;
            case TomlList { IsTableArray: false } list:
                return list.Items;
            case var other:
                Wrong(key, other, "an array");
                return null;
        }
    }

    public List<string>? Strings(string key)
    {
        if (Array(key) is not { } items)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        foreach (var item in items)
        {
            if (item is TomlScalar { Kind: TomlScalarKind.String } s)
            {
                result.Add(s.Text);
            }
            else
            {
                _errors.Add(item.Position.Error($"'{key}' must hold strings, not {item.KindName}"));
            }
        }

        return result;
    }

    /// <summary>Every entry of this table, marking all as read (for free-form tables such as headers or SLOs).</summary>
    public IReadOnlyList<TomlEntry> Entries()
    {
        foreach (var entry in _map.Entries)
        {
            _read.Add(entry.Key);
        }

        return _map.Entries;
    }

    public void Error(string message) => _errors.Add(_map.Position.Error(message));

    /// <summary>Reports every key of the table that no reader method asked for.</summary>
    public void RejectUnknownKeys(params string[] known)
    {
        foreach (var entry in _map.Entries)
        {
            if (!_read.Contains(entry.Key))
            {
                var hint = Suggest(entry.Key, known) is { } near ? $"; did you mean '{near}'?" : $"; expected one of: {string.Join(", ", known)}";
                _errors.Add(entry.KeyPosition.Error($"unknown key '{entry.Key}' in {Name}{hint}"));
            }
        }
    }

    private void Wrong(string key, TomlNode node, string expected) =>
        _errors.Add(node.Position.Error($"'{key}' must be {expected}, not {node.KindName}"));

    private static string? Suggest(string key, string[] known)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in known)
        {
            var distance = Levenshtein(key, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
