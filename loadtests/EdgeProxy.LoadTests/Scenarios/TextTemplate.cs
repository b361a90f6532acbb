using System.Text;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.LoadTests.Scenarios;

internal enum TemplatePartKind
{
    Literal,
    Feed,
    VirtualUser,
    Iteration,
}

/// <summary>One piece of a template: literal text, a feed column, or a built-in (<c>{vu}</c>, <c>{iteration}</c>).</summary>
internal readonly record struct TemplatePart(TemplatePartKind Kind, string Literal, int Feed, int Column);

/// <summary>
/// Text with <c>{feed}</c>, <c>{feed.column}</c>, <c>{vu}</c> and <c>{iteration}</c> placeholders (<c>{{</c> and
/// <c>}}</c> for literal braces), resolved against the scenario's feeds when the scenario loads.
/// </summary>
internal sealed class TextTemplate
{
    private TextTemplate(string source, IReadOnlyList<TemplatePart> parts)
    {
        Source = source;
        Parts = parts;
    }

    public string Source { get; }

    public IReadOnlyList<TemplatePart> Parts { get; }

    public bool IsConstant => Parts.All(p => p.Kind == TemplatePartKind.Literal);

    public static TextTemplate Constant(string text) => new(text, [new TemplatePart(TemplatePartKind.Literal, text, -1, -1)]);

    /// <summary>Parses <paramref name="text"/>; unknown feeds or columns are errors at <paramref name="position"/>.</summary>
    public static TextTemplate Parse(string text, IReadOnlyList<FeedConfig> feeds, SourcePosition position, List<ConfigError> errors)
    {
        var parts = new List<TemplatePart>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{' || c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                literal.Append(c);
                i += 2;
                continue;
            }

            if (c == '}')
            {
                errors.Add(position.Error($"unmatched '}}' in \"{text}\" (write '}}}}' for a literal brace)"));
                return new TextTemplate(text, [new TemplatePart(TemplatePartKind.Literal, text, -1, -1)]);
            }

            if (c != '{')
            {
                literal.Append(c);
                i++;
                continue;
            }

            var end = text.IndexOf('}', i + 1);
            if (end < 0)
            {
                errors.Add(position.Error($"unclosed '{{' in \"{text}\" (write '{{{{' for a literal brace)"));
                return new TextTemplate(text, [new TemplatePart(TemplatePartKind.Literal, text, -1, -1)]);
            }

            if (literal.Length > 0)
            {
                parts.Add(new TemplatePart(TemplatePartKind.Literal, literal.ToString(), -1, -1));
                literal.Clear();
            }

            var name = text[(i + 1)..end].Trim();
            if (Resolve(name, feeds, position, errors) is { } part)
            {
                parts.Add(part);
            }

            i = end + 1;
        }

        if (literal.Length > 0 || parts.Count == 0)
        {
            parts.Add(new TemplatePart(TemplatePartKind.Literal, literal.ToString(), -1, -1));
        }

        return new TextTemplate(text, parts);
    }

    private static TemplatePart? Resolve(string name, IReadOnlyList<FeedConfig> feeds, SourcePosition position, List<ConfigError> errors)
    {
        switch (name)
        {
            case "vu":
                return new TemplatePart(TemplatePartKind.VirtualUser, "", -1, -1);
            case "iteration":
                return new TemplatePart(TemplatePartKind.Iteration, "", -1, -1);
        }

        var dot = name.IndexOf('.');
        var feedName = dot < 0 ? name : name[..dot];
        var feedIndex = -1;
        for (var f = 0; f < feeds.Count; f++)
        {
            if (feeds[f].Name == feedName)
            {
                feedIndex = f;
            }
        }

        if (feedIndex < 0)
        {
            var known = feeds.Count == 0 ? "no feeds are defined" : "feeds: " + string.Join(", ", feeds.Select(f => f.Name));
            errors.Add(position.Error($"'{{{name}}}' names no feed ({known}; built-ins: vu, iteration)"));
            return null;
        }

        var feed = feeds[feedIndex];
        if (dot < 0)
        {
            return new TemplatePart(TemplatePartKind.Feed, "", feedIndex, 0);
        }

        var column = name[(dot + 1)..];
        for (var c = 0; c < feed.Columns.Count; c++)
        {
            if (feed.Columns[c] == column)
            {
                return new TemplatePart(TemplatePartKind.Feed, "", feedIndex, c);
            }
        }

        errors.Add(position.Error($"feed '{feed.Name}' has no column '{column}' (columns: {string.Join(", ", feed.Columns)})"));
        return null;
    }
}
