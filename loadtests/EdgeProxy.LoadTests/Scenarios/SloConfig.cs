using System.Globalization;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.LoadTests.Scenarios;

internal enum SloUnit
{
    /// <summary>Milliseconds.</summary>
    Latency,

    /// <summary>A share between 0 and 1 (written as a percentage or a fraction).</summary>
    Ratio,

    /// <summary>Per second.</summary>
    Rate,

    Count,
}

internal enum SloOperator
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Between,
}

/// <summary>
/// One objective: a metric of the whole run (<see cref="Step"/> null) or of one step, and the condition it must meet,
/// e.g. <c>p99 = "&lt; 200ms"</c>, <c>error_rate = "&lt; 1%"</c>, <c>throughput = "&gt; 200/s"</c>,
/// <c>status_429 = "48%..52%"</c>.
/// </summary>
internal sealed record SloConfig
{
    public string? Step { get; init; }

    public required string Metric { get; init; }

    public required SloOperator Operator { get; init; }

    /// <summary>The bound (lower bound for <see cref="SloOperator.Between"/>) in the metric's unit.</summary>
    public required double Value { get; init; }

    public double Upper { get; init; }

    public required string Condition { get; init; }

    public required SourcePosition Position { get; init; }

    public string Scope => Step is null ? "overall" : $"step '{Step}'";

    public string Describe() => $"{Scope} {Metric} {Condition}";

    public bool IsMet(double actual) => Operator switch
    {
        SloOperator.Less => actual < Value,
        SloOperator.LessOrEqual => actual <= Value,
        SloOperator.Greater => actual > Value,
        SloOperator.GreaterOrEqual => actual >= Value,
        _ => actual >= Value && actual <= Upper,
    };

    /// <summary>The unit of a metric name, or null when the name is not a metric.</summary>
    public static SloUnit? UnitOf(string metric) => metric switch
    {
        "p50" or "p75" or "p90" or "p95" or "p99" or "p999" or "max" or "mean" => SloUnit.Latency,
        "error_rate" => SloUnit.Ratio,
        "throughput" or "events_per_second" => SloUnit.Rate,
        "requests" or "errors" => SloUnit.Count,
        _ when StatusClass(metric) is not null => SloUnit.Ratio,
        _ => null,
    };

    public const string KnownMetrics = "p50, p75, p90, p95, p99, p999 (or \"p99.9\"), max, mean, error_rate, throughput, events_per_second, requests, errors, status_NNN / status_Nxx (share of responses)";

    /// <summary>For <c>status_429</c> → (429, 429); <c>status_5xx</c> → (500, 599).</summary>
    public static (int From, int To)? StatusClass(string metric)
    {
        if (!metric.StartsWith("status_", StringComparison.Ordinal) || metric.Length != 10)
        {
            return null;
        }

        var code = metric[7..];
        if (code[0] is >= '1' and <= '5' && code[1..] == "xx")
        {
            var from = (code[0] - '0') * 100;
            return (from, from + 99);
        }

        return int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599 ? (status, status) : null;
    }

    /// <summary>Parses <paramref name="condition"/> for <paramref name="metric"/>; null (with an error) when invalid.</summary>
    public static SloConfig? Parse(string? step, string metric, string condition, SourcePosition position, List<ConfigError> errors)
    {
        if (metric == "p99.9")
        {
            metric = "p999";
        }

        if (UnitOf(metric) is not { } unit)
        {
            errors.Add(position.Error($"unknown SLO metric '{metric}'; known: {KnownMetrics}"));
            return null;
        }

        var text = condition.Trim();
        var range = text.IndexOf("..", StringComparison.Ordinal);
        if (range >= 0)
        {
            if (TryValue(text[..range], unit, out var low) && TryValue(text[(range + 2)..], unit, out var high) && low <= high)
            {
                return new SloConfig { Step = step, Metric = metric, Operator = SloOperator.Between, Value = low, Upper = high, Condition = text, Position = position };
            }
        }
        else
        {
            SloOperator? op = null;
            var rest = text;
            foreach (var (token, candidate) in Operators)
            {
                if (text.StartsWith(token, StringComparison.Ordinal))
                {
                    op = candidate;
                    rest = text[token.Length..];
                    break;
                }
            }

            if (op is { } found && TryValue(rest, unit, out var value))
            {
                return new SloConfig { Step = step, Metric = metric, Operator = found, Value = value, Condition = text, Position = position };
            }
        }

        var example = unit switch
        {
            SloUnit.Latency => "\"< 200ms\"",
            SloUnit.Ratio => "\"< 1%\" or \"48%..52%\"",
            SloUnit.Rate => "\"> 200/s\"",
            _ => "\">= 1000\"",
        };
        errors.Add(position.Error($"SLO '{metric}' = \"{condition}\" is not a condition; write an operator (<, <=, >, >=) and a value, or a range low..high, e.g. {example}"));
        return null;
    }

    // Two-character operators first, so "<=" is not read as "<" followed by "=".
    private static readonly (string Token, SloOperator Operator)[] Operators =
        [("<=", SloOperator.LessOrEqual), (">=", SloOperator.GreaterOrEqual), ("<", SloOperator.Less), (">", SloOperator.Greater)];

    // A latency threshold is a measurement, finer than a config duration (which DurationParser keeps to whole
    // units): fractions and microseconds are meaningful here ("<= 1.5ms", "< 500us"), and the unit is required.
    private static bool TryLatency(string text, out double milliseconds)
    {
        milliseconds = 0;
        var unitStart = text.Length;
        while (unitStart > 0 && (char.IsAsciiLetter(text[unitStart - 1]) || text[unitStart - 1] == 'µ'))
        {
            unitStart--;
        }

        double? scale = text[unitStart..] switch
        {
            "us" or "µs" => 0.001,
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => null,
        };
        if (scale is null || !double.TryParse(text.AsSpan(0, unitStart).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            || number < 0 || !double.IsFinite(number))
        {
            return false;
        }

        milliseconds = number * scale.Value;
        return true;
    }

    private static bool TryValue(string text, SloUnit unit, out double value)
    {
        value = 0;
        var t = text.Trim();
        switch (unit)
        {
            case SloUnit.Latency:
                return TryLatency(t, out value);
            case SloUnit.Ratio:
                var percent = t.EndsWith('%');
                if (!double.TryParse(percent ? t[..^1] : t, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                {
                    return false;
                }

                value = percent ? value / 100 : value;
                return value is >= 0 and <= 1;
            case SloUnit.Rate:
                return double.TryParse(t.EndsWith("/s", StringComparison.Ordinal) ? t[..^2] : t, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0;
            default:
                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value >= 0;
        }
    }
}
