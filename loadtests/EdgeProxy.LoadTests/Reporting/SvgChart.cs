using System.Globalization;
using System.Net;
using System.Text;

namespace EdgeProxy.LoadTests.Reporting;

internal sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

/// <summary>A background band on the x axis (a phase); unrecorded phases are shaded.</summary>
internal sealed record ChartBand(double From, double To, string Label, bool Shaded);

/// <summary>
/// A small line chart rendered as inline SVG, so the HTML report needs no script, font or CDN: it opens offline
/// and can be attached to a CI run as one file.
/// </summary>
internal static class SvgChart
{
    private const int Width = 960;
    private const int Height = 320;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 30;
    private const int Bottom = 40;

    public static string Render(string title, string yUnit, IReadOnlyList<ChartSeries> series, IReadOnlyList<ChartBand> bands,
        IReadOnlyList<(double X, string Label)> xTicks)
    {
        var c = CultureInfo.InvariantCulture;
        var points = series.SelectMany(s => s.Points).ToList();
        var xMin = xTicks.Count > 0 ? Math.Min(xTicks.Min(t => t.X), points.Count > 0 ? points.Min(p => p.X) : 0) : points.DefaultIfEmpty().Min(p => p.X);
        var xMax = Math.Max(xTicks.Count > 0 ? xTicks.Max(t => t.X) : 0, points.Count > 0 ? points.Max(p => p.X) : 1);
        if (xMax <= xMin)
        {
            xMax = xMin + 1;
        }

        var yMax = NiceCeiling(points.Count > 0 ? points.Max(p => p.Y) : 1);
        double X(double x) => Left + (x - xMin) / (xMax - xMin) * (Width - Left - Right);
        double Y(double y) => Height - Bottom - y / yMax * (Height - Top - Bottom);

        var svg = new StringBuilder();
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Escape(title)}\">");
        svg.Append(c, $"<text x=\"{Left}\" y=\"18\" class=\"title\">{Escape(title)}</text>");
        for (var b = 0; b < bands.Count; b++)
        {
            var band = bands[b];
            var x0 = X(band.From);
            var x1 = X(band.To);
            if (band.Shaded)
            {
                svg.Append(c, $"<rect x=\"{x0:0.#}\" y=\"{Top}\" width=\"{Math.Max(0, x1 - x0):0.#}\" height=\"{Height - Top - Bottom}\" class=\"band\"/>");
            }

            svg.Append(c, $"<line x1=\"{x0:0.#}\" y1=\"{Top}\" x2=\"{x0:0.#}\" y2=\"{Height - Bottom}\" class=\"phase\"/>");
            // Alternate label rows so that the names of short neighbouring phases do not overprint.
            svg.Append(c, $"<text x=\"{x0 + 4:0.#}\" y=\"{Top + 12 + b % 2 * 13}\" class=\"small\">{Escape(band.Label)}</text>");
        }

        for (var i = 0; i <= 4; i++)
        {
            var value = yMax * i / 4;
            var y = Y(value);
            svg.Append(c, $"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Width - Right}\" y2=\"{y:0.#}\" class=\"grid\"/>");
            svg.Append(c, $"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" class=\"axis\" text-anchor=\"end\">{Escape(FormatValue(value))} {Escape(yUnit)}</text>");
        }

        foreach (var (x, label) in xTicks)
        {
            svg.Append(c, $"<text x=\"{X(x):0.#}\" y=\"{Height - Bottom + 18}\" class=\"axis\" text-anchor=\"middle\">{Escape(label)}</text>");
        }

        svg.Append(c, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" class=\"axisline\"/>");
        var legendX = Width - Right - 10;
        for (var s = series.Count - 1; s >= 0; s--)
        {
            var line = series[s];
            if (line.Points.Count > 0)
            {
                var path = string.Join(' ', line.Points.Select(p => string.Create(c, $"{X(p.X):0.#},{Y(p.Y):0.#}")));
                svg.Append(c, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"1.8\"{(line.Dashed ? " stroke-dasharray=\"5 4\"" : "")}/>");
            }

            var width = 14 + 7 * line.Name.Length;
            legendX -= width;
            svg.Append(c, $"<rect x=\"{legendX}\" y=\"10\" width=\"10\" height=\"10\" fill=\"{line.Color}\"/>");
            svg.Append(c, $"<text x=\"{legendX + 13}\" y=\"19\" class=\"small\">{Escape(line.Name)}</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above <paramref name="value"/>.</summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 0 || double.IsNaN(value))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string FormatValue(double value) => value.ToString(value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
