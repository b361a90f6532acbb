using System.Globalization;
using System.Text;

namespace EdgeProxy.Manager.Analytics;

/// <summary>CSV (RFC 4180) of query results: a header of column names, one line per row, invariant culture.</summary>
public static class CsvExport
{
    public static IResult Result<T>(IEnumerable<T> rows, string fileName, params (string Name, Func<T, object?> Value)[] columns)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', columns.Select(c => c.Name)).Append("\r\n");
        foreach (var row in rows)
        {
            for (var i = 0; i < columns.Length; i++)
            {
                if (i > 0)
                {
                    csv.Append(',');
                }

                csv.Append(Field(columns[i].Value(row)));
            }

            csv.Append("\r\n");
        }

        return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", fileName);
    }

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset at => at.ToString("O", CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

        // Quote what would break the line or the columns; a leading = + - @ would be a formula in a spreadsheet.
        if (text.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (text.Length > 0 && "=+-@".Contains(text[0], StringComparison.Ordinal) && value is string))
        {
            return "\"" + (value is string && "=+-@".Contains(text[0], StringComparison.Ordinal) ? "'" : "") + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }

        return text;
    }
}
