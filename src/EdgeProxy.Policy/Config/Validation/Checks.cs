using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>Rules several sections share: required keys, ids, uniqueness, positive durations, existing files.</summary>
internal static class Checks
{
    /// <summary>
    /// True when <paramref name="key"/> was written and is not empty; otherwise reports it at the table
    /// header (missing) or at the value (empty). Keys the mapper already rejected are not reported twice.
    /// </summary>
    public static bool Required(ValidationContext context, RecordPositions positions, string key, string section, string? value)
    {
        if (positions.IsInvalid(key))
        {
            return false;
        }

        if (!positions.Has(key))
        {
            context.Error(positions.Header, $"missing key '{key}' in {section}");
            return false;
        }

        if (string.IsNullOrEmpty(value))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} must not be empty");
            return false;
        }

        return true;
    }

    public static void Id(ValidationContext context, RecordPositions positions, string key, string section, string value)
    {
        if (Required(context, positions, key, section, value) && !IdSyntax.IsValid(value))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} may contain only {IdSyntax.Rule}, found \"{value}\"");
        }
    }

    /// <summary>Reports every item whose <paramref name="keyOf"/> repeats an earlier one, naming where the first is.</summary>
    public static void Unique<T>(ValidationContext context, IEnumerable<T> items, Func<T, string> keyOf, string key, string what, StringComparer comparer)
        where T : class
    {
        var seen = new Dictionary<string, T>(comparer);
        foreach (var item in items)
        {
            var value = keyOf(item);
            if (value.Length == 0)
            {
                continue;
            }

            if (seen.TryGetValue(value, out var first))
            {
                context.Error(context.Of(item).Value(key), $"duplicate {what} \"{value}\"; it is already used at {context.Of(first).Value(key)}");
            }
            else
            {
                seen.Add(value, item);
            }
        }
    }

    public static void Positive(ValidationContext context, RecordPositions positions, string key, string section, TimeSpan value)
    {
        if (value <= TimeSpan.Zero && !positions.IsInvalid(key))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} must be greater than zero, found {DurationParser.Format(value)}");
        }
    }

    public static void NotNegative(ValidationContext context, RecordPositions positions, string key, string section, TimeSpan value)
    {
        if (value < TimeSpan.Zero && !positions.IsInvalid(key))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} must not be negative, found {DurationParser.Format(value)}");
        }
    }

    public static void NotNegative(ValidationContext context, RecordPositions positions, string key, string section, long value)
    {
        if (value < 0 && !positions.IsInvalid(key))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} must not be negative, found {value}");
        }
    }

    public static void Range(ValidationContext context, RecordPositions positions, string key, string section, long value, long min, long max)
    {
        if ((value < min || value > max) && !positions.IsInvalid(key))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} must be from {min} to {max}, found {value}");
        }
    }

    /// <summary>
    /// Certificate and key files must exist when the config is accepted; finding out when the first TLS
    /// handshake fails would turn a typo into an outage.
    /// </summary>
    public static void ExistingFile(ValidationContext context, RecordPositions positions, string key, string section, string? path, bool required)
    {
        if (path is null && !required)
        {
            return;
        }

        if (!Required(context, positions, key, section, path))
        {
            return;
        }

        if (Directory.Exists(path))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} must name a file, but {path} is a directory");
        }
        else if (!File.Exists(path))
        {
            context.Error(positions.Value(key), $"'{key}' in {section} names {path}, which does not exist (relative paths are relative to the file that sets them)");
        }
    }

    /// <summary>
    /// Display text (titles, names, descriptions) ends up in pages, logs and JSON; control characters there are
    /// either mistakes or attempts to forge lines. Multi-line text may keep its line breaks and tabs.
    /// </summary>
    public static void Text(ValidationContext context, RecordPositions positions, string key, string section, string value, bool multiLine = false)
    {
        foreach (var c in value)
        {
            if (c < ' ' && !(multiLine && c is '\n' or '\r' or '\t'))
            {
                context.Error(positions.Value(key), $"'{key}' in {section} must not contain control characters");
                return;
            }
        }
    }

    /// <summary>A <c>tags</c> array: non-empty strings without control characters, each once.</summary>
    public static void Tags(ValidationContext context, RecordPositions positions, EquatableArray<string> tags, string section, string owner)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (tag.Length == 0 || tag.AsSpan().ContainsAnyInRange('\0', '\u001F'))
            {
                context.Error(positions.Item("tags", i), $"'tags' in {section} must hold non-empty strings without control characters");
            }
            else if (!seen.Add(tag))
            {
                context.Error(positions.Item("tags", i), $"tag \"{tag}\" appears twice in {owner}");
            }
        }
    }

    /// <summary>"route 'api'" when the record has an id, so messages say which entry they are about.</summary>
    public static string Name(string kind, string id) => id.Length == 0 ? kind : $"{kind} '{id}'";
}
