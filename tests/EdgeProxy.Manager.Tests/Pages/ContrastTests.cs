using System.Globalization;
using System.Text.RegularExpressions;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Pages;

/// <summary>
/// The portal stylesheet's colours against WCAG 2.2: every text colour it declares on every light surface it declares
/// (and white on every dark one) at least 4.5:1; the focus ring at least 3:1 on every light surface.
/// </summary>
public sealed partial class ContrastTests
{
    [Fact]
    public void Every_text_colour_in_the_stylesheet_has_at_least_4_5_to_1_on_every_surface_and_the_focus_ring_3_to_1()
    {
        var css = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "src/EdgeProxy.Manager/wwwroot/css/portal.css"));
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match variable in Variable().Matches(css))
        {
            variables[variable.Groups[1].Value] = variable.Groups[2].Value;
        }

        string Resolve(string value) => value.StartsWith("var(", StringComparison.Ordinal) ? variables[value[4..^1]] : value;

        var texts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var surfaces = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "#fff" };
        var rings = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (Match declaration in Declaration().Matches(css))
        {
            var value = Resolve(declaration.Groups[2].Value);
            switch (declaration.Groups[1].Value)
            {
                case "color": texts.Add(value); break;
                case "background": surfaces.Add(value); break;
                case "outline": rings.Add(value); break;
            }
        }

        var problems = new List<string>();
        foreach (var surface in surfaces)
        {
            var dark = Luminance(surface) < 0.2;
            foreach (var text in texts)
            {
                // White text is for dark surfaces (buttons, badges), dark text for light ones.
                if (dark != (Luminance(text) > 0.5))
                {
                    continue;
                }

                if (Contrast(text, surface) < 4.5)
                {
                    problems.Add($"text {text} on {surface}: {Contrast(text, surface):0.00}:1");
                }
            }

            foreach (var ring in rings)
            {
                if (!dark && Contrast(ring, surface) < 3)
                {
                    problems.Add($"focus ring {ring} on {surface}: {Contrast(ring, surface):0.00}:1");
                }
            }
        }

        Assert.Empty(problems);
        Assert.True(texts.Count >= 4 && surfaces.Count >= 10 && rings.Count >= 1, "the stylesheet's colours were not found");
        Assert.Contains("textarea:focus-visible", css, StringComparison.Ordinal);
        Assert.Contains("summary:focus-visible", css, StringComparison.Ordinal);
    }

    [Fact]
    public void The_contrast_formula_matches_known_values()
    {
        Assert.Equal(21, Contrast("#000", "#fff"), 2);
        Assert.Equal(4.54, Contrast("#767676", "#fff"), 2);
        Assert.Equal(1, Contrast("#0b5394", "#0b5394"), 2);
    }

    private static double Contrast(string a, string b)
    {
        var (x, y) = (Luminance(a), Luminance(b));
        return (Math.Max(x, y) + 0.05) / (Math.Min(x, y) + 0.05);
    }

    private static double Luminance(string hex)
    {
        var digits = hex.TrimStart('#');
        if (digits.Length == 3)
        {
            digits = string.Concat(digits.Select(c => $"{c}{c}"));
        }

        double Channel(int offset)
        {
            var c = int.Parse(digits.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }

        return (0.2126 * Channel(0)) + (0.7152 * Channel(2)) + (0.0722 * Channel(4));
    }

    [GeneratedRegex(@"(--[a-z-]+):\s*(#[0-9a-fA-F]{3,6})")]
    private static partial Regex Variable();

    // color / background / outline declarations whose value is a hex colour or a variable (the outline's colour
    // is its last word); "background: none" and the like are not surfaces.
    [GeneratedRegex(@"(?<![-\w])(color|background|outline):\s*(?:\d+px solid\s+)?(#[0-9a-fA-F]{3,6}|var\(--[a-z-]+\))")]
    private static partial Regex Declaration();
}
