namespace EdgeProxy.Policy.Config.Loading;

/// <summary>
/// Reads typed values out of one TOML table, recording each key's position and reporting wrong types.
/// Every key the mapper asks for is by definition known, so <see cref="Finish{T}"/> can report the rest as
/// unknown (with the nearest known key) without a second list of names to keep in sync.
/// </summary>
internal sealed class TableReader
{
    private const long MaxSeconds = long.MaxValue / TimeSpan.TicksPerSecond;

    private readonly TomlTable _table;
    private readonly string _path;
    private readonly List<string> _known = [];

    public TableReader(TomlTable table, string path, bool isArrayElement, MapContext context)
    {
        _table = table;
        _path = path;
        Context = context;
        Section = path.Length == 0 ? "the top level" : isArrayElement ? $"[[{path}]]" : $"[{path}]";
        Positions = new RecordPositions(table.Position);
    }

    public MapContext Context { get; }

    /// <summary>How messages name this table: the TOML header that would declare it.</summary>
    public string Section { get; }

    /// <summary>"in [gateway]", or "at the top level" for the root.</summary>
    private string Where => _path.Length == 0 ? "at the top level" : $"in {Section}";

    public RecordPositions Positions { get; }

    public TomlNode? Node(string key)
    {
        _known.Add(key);
        var entry = _table.Find(key);
        if (entry is null)
        {
            return null;
        }

        Positions.Set(key, entry.KeyPosition, entry.Value.Position);
        return entry.Value;
    }

    public string? String(string key)
    {
        var node = Node(key);
        if (node is TomlScalar { Kind: TomlScalarKind.String } s)
        {
            return s.Text;
        }

        TypeError(key, node, "a string");
        return null;
    }

    public bool? Boolean(string key)
    {
        var node = Node(key);
        if (node is TomlScalar { Kind: TomlScalarKind.Boolean } b)
        {
            return b.Boolean;
        }

        TypeError(key, node, "true or false");
        return null;
    }

    public int? Int32(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is not TomlScalar { Kind: TomlScalarKind.Integer } i)
        {
            TypeError(key, node, "an integer");
            return null;
        }

        if (i.Integer is < int.MinValue or > int.MaxValue)
        {
            Invalid(key, node, $"'{key}' {Where} is out of range (at most {int.MaxValue}), found {i.Integer}");
            return null;
        }

        return (int)i.Integer;
    }

    public long? Int64(string key)
    {
        var node = Node(key);
        if (node is TomlScalar { Kind: TomlScalarKind.Integer } i)
        {
            return i.Integer;
        }

        TypeError(key, node, "an integer");
        return null;
    }

    /// <summary>A decimal number: a TOML integer or float (money: <c>49.0</c>, <c>0.0001</c>), read exactly as written.</summary>
    public decimal? Decimal(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null:
                return null;
            case TomlScalar { Kind: TomlScalarKind.Integer } i:
                return i.Integer;

            // Parsed from the source text rather than a double so that 0.0001 stays 0.0001, not 0.000100000000000000005.
            case TomlScalar { Kind: TomlScalarKind.Float } f when decimal.TryParse(f.Text.Replace("_", "", StringComparison.Ordinal), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value):
                return value;
            default:
                TypeError(key, node, "a number like 49 or 0.0001");
                return null;
        }
    }

    /// <summary>A TOML offset date-time, or a string in the same form, or a date (midnight UTC).</summary>
    public DateTimeOffset? Timestamp(string key)
    {
        var node = Node(key);
        switch (node)
        {
            case null:
                return null;
            case TomlScalar { Kind: TomlScalarKind.DateTime or TomlScalarKind.String } s when TimestampParser.TryParse(s.Text, out var value):
                return value;
            case TomlScalar { Kind: TomlScalarKind.DateTime } local:
                Invalid(key, node, $"'{key}' {Where} must have a UTC offset, like {local.Text}Z; found the local date-time {local.Text}");
                return null;
            default:
                TypeError(key, node, TimestampParser.Examples);
                return null;
        }
    }

    /// <summary>A rate like <c>"100/s"</c>: tokens per period.</summary>
    public (long Tokens, TimeSpan Period)? Rate(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is TomlScalar { Kind: TomlScalarKind.String } s && RateParser.TryParse(s.Text, out var tokens, out var period))
        {
            return (tokens, period);
        }

        TypeError(key, node, $"a rate like {RateParser.Examples}");
        return null;
    }

    /// <summary>One of a fixed set of strings, mapped to its value; anything else is reported with the choices.</summary>
    public T? Choice<T>(string key, ReadOnlySpan<(string Name, T Value)> choices)
        where T : struct
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        var names = new List<string>(choices.Length);
        foreach (var (name, value) in choices)
        {
            if (node is TomlScalar { Kind: TomlScalarKind.String } s && s.Text == name)
            {
                return value;
            }

            names.Add(name);
        }

        var list = string.Join(", ", names.Select(n => $"\"{n}\""));
        var hint = node is TomlScalar { Kind: TomlScalarKind.String } text && KeySuggester.Nearest(text.Text, names) is { } nearest ? $"; did you mean \"{nearest}\"?" : "";
        Invalid(key, node, $"'{key}' {Where} must be one of {list}, found {node.Describe()}{hint}");
        return null;
    }

    /// <summary>A duration string (<c>"10s"</c>) or an integer number of seconds.</summary>
    public TimeSpan? Duration(string key)
    {
        const string Expected = "a duration like \"250ms\", \"10s\", \"2m\" or \"1h\" (or an integer number of seconds)";
        var node = Node(key);
        switch (node)
        {
            case null:
                return null;
            case TomlScalar { Kind: TomlScalarKind.String } s when DurationParser.TryParse(s.Text, out var value):
                return value;
            case TomlScalar { Kind: TomlScalarKind.Integer } i when i.Integer >= -MaxSeconds && i.Integer <= MaxSeconds:
                return TimeSpan.FromSeconds(i.Integer);
            default:
                TypeError(key, node, Expected);
                return null;
        }
    }

    /// <summary>A byte count: an integer or a string with a unit (<c>"10MiB"</c>).</summary>
    public long? Size(string key)
    {
        const string Expected = "a size like 65536, \"64KiB\", \"10MiB\" or \"1GiB\"";
        var node = Node(key);
        switch (node)
        {
            case null:
                return null;
            case TomlScalar { Kind: TomlScalarKind.String } s when SizeParser.TryParse(s.Text, out var value):
                return value;
            case TomlScalar { Kind: TomlScalarKind.Integer } i:
                return i.Integer;
            default:
                TypeError(key, node, Expected);
                return null;
        }
    }

    public int? SizeInt32(string key)
    {
        var size = Size(key);
        if (size is null)
        {
            return null;
        }

        if (size > int.MaxValue)
        {
            Invalid(key, _table.Find(key)!.Value, $"'{key}' {Where} is too large: at most {int.MaxValue} bytes (2GiB - 1), found {SizeParser.Format(size.Value)}");
            return null;
        }

        return size < int.MinValue ? int.MinValue : (int)size.Value;
    }

    /// <summary>An array of strings; each item's position is recorded as <c>key[i]</c>.</summary>
    public string[]? Strings(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is not TomlArray { IsTableArray: false } array)
        {
            TypeError(key, node, "an array of strings");
            return null;
        }

        var items = new List<string>(array.Items.Count);
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            if (item is TomlScalar { Kind: TomlScalarKind.String } s)
            {
                Positions.Set(RecordPositions.ItemKey(key, items.Count), item.Position, item.Position);
                items.Add(s.Text);
            }
            else
            {
                Positions.MarkInvalid(key);
                Context.Error(item.Position, $"'{key}' {Where} must be an array of strings, but item {i + 1} is {item.Describe()}");
            }
        }

        return [.. items];
    }

    /// <summary>A sub-table with a fixed set of keys, read by its own reader.</summary>
    public TableReader? Table(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is not TomlTable table)
        {
            TypeError(key, node, "a table");
            return null;
        }

        return new TableReader(table, Child(key), isArrayElement: false, Context);
    }

    /// <summary>A sub-table whose keys are data (header names), not a schema.</summary>
    public TomlTable? FreeTable(string key)
    {
        var node = Node(key);
        if (node is TomlTable table)
        {
            return table;
        }

        TypeError(key, node, "a table like { \"X-Name\" = \"value\" }");
        return null;
    }

    /// <summary><c>[[key]]</c> sections or an inline array of tables.</summary>
    public List<TableReader>? Tables(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        if (node is not TomlArray array)
        {
            var hint = node is TomlTable && _path.Length == 0 ? $" (write [[{key}]], with double brackets)" : "";
            TypeError(key, node, $"an array of tables{hint}");
            return null;
        }

        var readers = new List<TableReader>(array.Items.Count);
        for (var i = 0; i < array.Items.Count; i++)
        {
            if (array.Items[i] is TomlTable table)
            {
                readers.Add(new TableReader(table, Child(key), isArrayElement: true, Context));
            }
            else
            {
                Positions.MarkInvalid(key);
                Context.Error(array.Items[i].Position, $"'{key}' {Where} must be an array of tables, but item {i + 1} is {array.Items[i].Describe()}");
            }
        }

        return readers;
    }

    /// <summary>Reports unknown keys and files the record's positions under the record instance.</summary>
    public T Finish<T>(T record)
        where T : class
    {
        Finish();
        Context.Positions.Register(record, Positions);
        return record;
    }

    public void Finish()
    {
        foreach (var entry in _table.Entries)
        {
            if (_known.Contains(entry.Key))
            {
                continue;
            }

            var hint = KeySuggester.Nearest(entry.Key, _known) is { } nearest
                ? $"did you mean '{nearest}'?"
                : $"expected one of: {string.Join(", ", _known)}";
            Context.Error(entry.KeyPosition, $"unknown key '{entry.Key}' {Where}; {hint}");
        }
    }

    /// <summary>How messages name a sub-table of this one whose keys are data, e.g. <c>[routes.request_headers.set]</c>.</summary>
    public string ChildSection(string key) => $"[{Child(key)}]";

    private string Child(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    /// <summary>Reports a value of the wrong type; an absent value (null) is not an error here.</summary>
    private void TypeError(string key, TomlNode? found, string expected)
    {
        if (found is not null)
        {
            Invalid(key, found, $"'{key}' {Where} must be {expected}, found {found.Describe()}");
        }
    }

    private void Invalid(string key, TomlNode at, string message)
    {
        Positions.MarkInvalid(key);
        Context.Error(at.Position, message);
    }
}
