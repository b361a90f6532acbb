using System.Globalization;
using System.Text;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.LoadTests.Scenarios;

/// <summary>
/// Reads a scenario file: TOML → typed records, checking everything and collecting every error (each as
/// <c>file:line:column: message</c>) instead of stopping at the first. The TOML layer (positioned tree, typed
/// reads, unknown-key hints, duration and size syntax) is the gateway's own, from EdgeProxy.Policy, so a
/// scenario and a gateway config are written and reported alike. Feed and body files are read relative to the
/// scenario's directory.
/// </summary>
internal static class ScenarioLoader
{
    private static readonly TimeSpan MaxPhase = TimeSpan.FromHours(24);

    private const string SloExample = "{ p99 = \"< 20ms\", error_rate = \"< 1%\" }";

    public static (ScenarioConfig? Scenario, List<ConfigError> Errors) Load(string path, string? targetOverride = null)
    {
        var errors = new List<ConfigError>();
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new SourcePosition(path, 1, 1).Error($"cannot read the scenario: {e.Message}"));
            return (null, errors);
        }

        return Parse(text, path, targetOverride, errors);
    }

    public static (ScenarioConfig? Scenario, List<ConfigError> Errors) Parse(string text, string path, string? targetOverride = null, List<ConfigError>? errors = null)
    {
        errors ??= [];
        if (TomlTreeBuilder.Parse(text, path, errors) is not { } root)
        {
            return (null, errors);
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var document = new TableReader(root, errors);
        var header = document.Table("scenario");
        if (header is null)
        {
            document.Error("the file needs a [scenario] table with at least 'target'");
        }

        var name = header?.String("name") ?? Path.GetFileNameWithoutExtension(path);
        var description = header?.String("description") ?? "";
        TargetAddress? target = null;
        var targetText = header?.String("target");
        if (targetOverride is null)
        {
            header?.Require("target");
        }

        targetText = targetOverride ?? targetText;
        if (targetText is not null && !TargetAddress.TryParse(targetText, out target, out var targetError))
        {
            if (targetOverride is null)
            {
                errors.Add(header!.PositionOf("target").Error(targetError!));
            }
            else
            {
                errors.Add(new SourcePosition("--target", 1, 1).Error(targetError!));
            }
        }

        var timeout = header?.Duration("timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(10);
        var keepAlive = header?.Boolean("keep_alive") ?? true;
        var seed = (int)(header?.Int64("seed", 0, int.MaxValue) ?? 1);
        header?.Finish();

        var feeds = new List<FeedConfig>();
        foreach (var table in document.Tables("feeds") ?? [])
        {
            if (ReadFeed(table, directory, feeds, errors) is { } feed)
            {
                feeds.Add(feed);
            }
        }

        var slos = new List<SloConfig>();
        var steps = new List<StepConfig>();
        foreach (var table in document.Tables("steps") ?? [])
        {
            if (ReadStep(table, directory, feeds, steps, slos, errors) is { } step)
            {
                steps.Add(step);
            }
        }

        if (steps.Count == 0)
        {
            document.Error("the scenario needs at least one [[steps]] entry");
        }

        var phases = new List<PhaseConfig>();
        foreach (var table in document.Tables("phases") ?? [])
        {
            if (ReadPhase(table, phases.Count, errors) is { } phase)
            {
                phases.Add(phase);
            }
        }

        if (phases.Count == 0)
        {
            document.Error("the scenario needs at least one [[phases]] entry (e.g. model = \"closed\", concurrency = 8, duration = \"10s\")");
        }
        else if (!phases.Any(p => p.Record))
        {
            document.Error("every phase has record = false: nothing would be measured");
        }

        if (document.FreeTable("slo", SloExample) is { } overall)
        {
            ReadSlos(overall, step: null, slos, errors);
        }

        var actions = new List<ActionConfig>();
        foreach (var table in document.Tables("actions") ?? [])
        {
            if (ReadAction(table, directory, actions.Count, errors) is { } action)
            {
                actions.Add(action);
            }
        }

        document.Finish();
        if (errors.Count > 0 || target is null)
        {
            return (null, errors);
        }

        return (new ScenarioConfig
        {
            Name = name,
            Description = description,
            Target = target,
            Timeout = timeout,
            KeepAlive = keepAlive,
            Seed = seed,
            Feeds = feeds,
            Steps = steps,
            Phases = phases,
            Slos = slos,
            Actions = actions,
            SourceFile = path,
        }, errors);
    }

    private static FeedConfig? ReadFeed(TableReader table, string directory, List<FeedConfig> feeds, List<ConfigError> errors)
    {
        table.Require("name");
        var name = table.String("name");
        if (name is not null && !IsIdentifier(name))
        {
            errors.Add(table.PositionOf("name").Error($"feed name '{name}' must be letters, digits, '_' or '-' (it is used as {{{name}}})"));
        }
        else if (name is not null && (feeds.Any(f => f.Name == name) || name is "vu" or "iteration"))
        {
            errors.Add(table.PositionOf("name").Error($"feed name '{name}' is already taken"));
        }

        var order = table.Choice<FeedOrder>("order", [("round-robin", FeedOrder.RoundRobin), ("random", FeedOrder.Random)]) ?? FeedOrder.RoundRobin;

        var sources = new[] { "file", "values", "range" }.Where(table.Has).ToList();
        if (sources.Count != 1)
        {
            table.Error($"feed '{name}' needs exactly one of 'file' (CSV or JSON), 'values' or 'range'{(sources.Count > 1 ? $", not {string.Join(" and ", sources)}" : "")}");
        }

        (IReadOnlyList<string> Columns, List<string[]> Rows)? data = null;
        if (table.String("file") is { } file)
        {
            data = FeedFiles.Read(Path.Combine(directory, file), table.PositionOf("file"), errors);
        }

        if (table.Strings("values") is { } values)
        {
            data = (["value"], values.Select(v => new[] { v }).ToList());
        }

        if (table.Table("range") is { } range)
        {
            range.Require("from");
            range.Require("to");
            var from = range.Int64("from");
            var to = range.Int64("to");
            var format = range.String("format") ?? "{0}";
            range.Finish();
            if (from is { } f && to is { } t)
            {
                if (t < f || t - f >= 10_000_000)
                {
                    range.Error("'range' must have from <= to and at most 10,000,000 values");
                }
                else if (TryFormat(format, f) is null)
                {
                    errors.Add(range.PositionOf("format").Error($"'format' \"{format}\" is not a .NET format string for a number, e.g. \"key-{{0:D5}}\""));
                }
                else
                {
                    var rows = new List<string[]>((int)(t - f + 1));
                    for (var v = f; v <= t; v++)
                    {
                        rows.Add([TryFormat(format, v)!]);
                    }

                    data = (["value"], rows);
                }
            }
        }

        table.Finish();
        if (name is null || data is null)
        {
            return null;
        }

        if (data.Value.Rows.Count == 0)
        {
            table.Error($"feed '{name}' has no rows");
            return null;
        }

        return new FeedConfig { Name = name, Columns = data.Value.Columns, Rows = data.Value.Rows, Order = order };
    }

    private static StepConfig? ReadStep(TableReader table, string directory, List<FeedConfig> feeds, List<StepConfig> steps, List<SloConfig> slos, List<ConfigError> errors)
    {
        var name = table.String("name") ?? $"step{steps.Count + 1}";
        if (steps.Any(s => s.Name == name))
        {
            errors.Add(table.PositionOf("name").Error($"step name '{name}' is used twice; SLOs and reports name steps"));
        }

        var kind = table.Choice<StepKind>("kind", [("http", StepKind.Http), ("websocket", StepKind.WebSocket), ("sse", StepKind.Sse)]) ?? StepKind.Http;

        var method = table.String("method") ?? "GET";
        if (method.Length == 0 || !method.All(c => char.IsAsciiLetterUpper(c) || c == '-'))
        {
            errors.Add(table.PositionOf("method").Error($"'method' must be an upper-case HTTP method token such as GET or POST, not \"{method}\""));
        }

        if (kind != StepKind.Http && table.Has("method") && method != "GET")
        {
            errors.Add(table.PositionOf("method").Error($"a {kind} step always sends GET"));
        }

        table.Require("path");
        var pathText = table.String("path") ?? "/";
        if (!pathText.StartsWith('/') || pathText.Any(c => c <= ' ' || c == 0x7f))
        {
            errors.Add(table.PositionOf("path").Error($"'path' must start with '/' and contain no spaces or control characters: \"{pathText}\""));
        }

        var path = TextTemplate.Parse(pathText, feeds, table.PositionOf("path"), errors);
        var headers = new List<(string, TextTemplate)>();
        if (table.FreeTable("headers") is { } headerTable)
        {
            foreach (var entry in headerTable.Entries)
            {
                if (entry.Key.Length == 0 || !entry.Key.All(IsTokenChar))
                {
                    errors.Add(entry.KeyPosition.Error($"header name '{entry.Key}' is not a valid HTTP token"));
                }
                else if (entry.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) || entry.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                    || entry.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || entry.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(entry.KeyPosition.Error($"'{entry.Key}' is set by the runner (target, body length, keep_alive)"));
                }
                else if (entry.Value is TomlScalar { Kind: TomlScalarKind.String } value)
                {
                    if (value.Text.Any(c => c is '\r' or '\n' or '\0'))
                    {
                        errors.Add(value.Position.Error($"header '{entry.Key}' must not contain CR, LF or NUL"));
                    }

                    headers.Add((entry.Key, TextTemplate.Parse(value.Text, feeds, value.Position, errors)));
                }
                else
                {
                    errors.Add(entry.Value.Position.Error($"header '{entry.Key}' must be a string, found {entry.Value.Describe()}"));
                }
            }
        }

        TextTemplate? body = null;
        byte[]? bodyBytes = null;
        var bodySources = new[] { "body", "body_file", "body_size" }.Where(table.Has).ToList();
        if (bodySources.Count > 1)
        {
            table.Error($"step '{name}' may have one of body, body_file and body_size, not {string.Join(" and ", bodySources)}");
        }

        if (table.String("body") is { } inline)
        {
            body = TextTemplate.Parse(inline, feeds, table.PositionOf("body"), errors);
        }

        if (table.String("body_file") is { } bodyFile)
        {
            try
            {
                bodyBytes = File.ReadAllBytes(Path.Combine(directory, bodyFile));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(table.PositionOf("body_file").Error($"cannot read body_file: {e.Message}"));
            }
        }

        if (table.Size("body_size", 0, 64L << 20) is { } bodySize)
        {
            bodyBytes = Payload((int)bodySize);
        }

        if (kind != StepKind.Http && bodySources.Count > 0)
        {
            table.Error($"a {kind} step sends no request body");
        }

        var expect = ReadStatusSet(table, errors);
        var thinkTime = table.Duration("think_time", TimeSpan.Zero, TimeSpan.FromHours(1)) ?? TimeSpan.Zero;

        var messages = (int)(table.Int64("messages", 1, 1_000_000) ?? 10);
        var message = table.String("message");
        var messageSize = table.Size("message_size", 1, 16 << 20);
        if (message is not null && messageSize is not null)
        {
            table.Error("a websocket step may have 'message' or 'message_size', not both");
        }

        var events = (int)(table.Int64("events", 0, 10_000_000) ?? 0);
        var streamDuration = table.Duration("stream_duration", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)) ?? TimeSpan.FromSeconds(5);
        foreach (var (key, only) in new[] { ("messages", StepKind.WebSocket), ("message", StepKind.WebSocket), ("message_size", StepKind.WebSocket), ("events", StepKind.Sse), ("stream_duration", StepKind.Sse) })
        {
            if (table.Has(key) && kind != only)
            {
                errors.Add(table.PositionOf(key).Error($"'{key}' applies to {(only == StepKind.Sse ? "sse" : "websocket")} steps only"));
            }
        }

        if (table.FreeTable("slo", SloExample) is { } sloTable)
        {
            ReadSlos(sloTable, name, slos, errors);
        }

        table.Finish();

        return new StepConfig
        {
            Name = name,
            Kind = kind,
            Method = method,
            Path = path,
            Headers = headers,
            Body = body,
            BodyBytes = bodyBytes,
            ExpectStatus = expect ?? (kind == StepKind.WebSocket ? StatusSet.Range(101, 101) : StatusSet.Default),
            ThinkTime = thinkTime,
            Messages = messages,
            Message = message is not null ? Encoding.UTF8.GetBytes(message) : Payload((int)(messageSize ?? 32)),
            Events = events,
            StreamDuration = streamDuration,
            Position = table.Position,
        };
    }

    private static StatusSet? ReadStatusSet(TableReader table, List<ConfigError> errors)
    {
        const string Entries = "status codes (100-599) or classes such as \"2xx\"";
        var node = table.Node("expect_status");
        if (node is null)
        {
            return null;
        }

        if (node is not TomlArray { IsTableArray: false, Items: var items })
        {
            errors.Add(node.Position.Error($"'expect_status' in {table.Section} must be an array of {Entries}, found {node.Describe()}"));
            return null;
        }

        var ranges = new List<(int, int)>();
        foreach (var item in items)
        {
            switch (item)
            {
                case TomlScalar { Kind: TomlScalarKind.Integer, Integer: >= 100 and <= 599 } code:
                    ranges.Add(((int)code.Integer, (int)code.Integer));
                    break;
                case TomlScalar { Kind: TomlScalarKind.String } s when SloConfig.StatusClass("status_" + s.Text) is { } cls:
                    ranges.Add(cls);
                    break;
                default:
                    errors.Add(item.Position.Error($"'expect_status' entries must be {Entries}, found {item.Describe()}"));
                    break;
            }
        }

        if (ranges.Count == 0)
        {
            errors.Add(node.Position.Error("'expect_status' must list at least one status"));
            return null;
        }

        return StatusSet.From(ranges, string.Join(", ", items.Select(i => i is TomlScalar s ? s.Text : "?")));
    }

    private static PhaseConfig? ReadPhase(TableReader table, int index, List<ConfigError> errors)
    {
        var name = table.String("name") ?? $"phase{index + 1}";

        // closed: fixed concurrency, each virtual user on its own connection; open: an arrival rate.
        table.Require("model");
        var model = table.Choice<LoadModel>("model", [("closed", LoadModel.Closed), ("open", LoadModel.Open)]) ?? LoadModel.Closed;
        table.Require("duration");
        var duration = table.Duration("duration", TimeSpan.FromMilliseconds(1), MaxPhase);
        var record = table.Boolean("record") ?? true;
        var connections = 0;
        double rate = 0, rateTo = 0;
        long iterations = 0;
        if (model == LoadModel.Closed)
        {
            table.Require("concurrency");
            connections = (int)(table.Int64("concurrency", 1, 10_000) ?? 1);
            iterations = table.Int64("iterations", 1, long.MaxValue) ?? 0;
            foreach (var key in new[] { "rate", "rate_to", "connections" })
            {
                // Asking for the key (Node) also keeps Finish from calling it unknown: it is known, just misplaced.
                if (table.Node(key) is { } misplaced)
                {
                    errors.Add(misplaced.Position.Error(key == "connections"
                        ? "in the closed model each virtual user has its own connection: set 'concurrency'"
                        : $"'{key}' belongs to the open model (model = \"open\")"));
                }
            }
        }
        else
        {
            table.Require("rate");
            rate = (double?)table.Decimal("rate", 0.001m, 10_000_000m) ?? 1;
            rateTo = (double?)table.Decimal("rate_to", 0m, 10_000_000m) ?? rate;
            table.Require("connections");
            connections = (int)(table.Int64("connections", 1, 10_000) ?? 1);
            foreach (var key in new[] { "concurrency", "iterations" })
            {
                if (table.Node(key) is { } misplaced)
                {
                    errors.Add(misplaced.Position.Error($"'{key}' belongs to the closed model; an open phase has 'rate' (iterations/s) and 'connections'"));
                }
            }
        }

        table.Finish();
        return duration is null ? null : new PhaseConfig
        {
            Name = name,
            Model = model,
            Duration = duration.Value,
            Connections = connections,
            Rate = rate,
            RateTo = rateTo,
            Iterations = iterations,
            Record = record,
        };
    }

    private static void ReadSlos(TomlTable table, string? step, List<SloConfig> slos, List<ConfigError> errors)
    {
        foreach (var entry in table.Entries)
        {
            if (entry.Value is not TomlScalar { Kind: TomlScalarKind.String } condition)
            {
                errors.Add(entry.Value.Position.Error($"SLO '{entry.Key}' must be a string condition such as \"< 200ms\", found {entry.Value.Describe()}"));
                continue;
            }

            if (SloConfig.Parse(step, entry.Key, condition.Text, entry.KeyPosition, errors) is { } slo)
            {
                slos.Add(slo);
            }
        }
    }

    private static ActionConfig? ReadAction(TableReader table, string directory, int index, List<ConfigError> errors)
    {
        var name = table.String("name") ?? $"[[actions]] entry {index + 1}";
        var at = table.Duration("at", TimeSpan.Zero, MaxPhase) ?? TimeSpan.Zero;
        var every = table.Duration("every", TimeSpan.FromMilliseconds(10), MaxPhase);
        var until = table.Duration("until", TimeSpan.Zero, MaxPhase);
        var timeout = table.Duration("timeout", TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5)) ?? TimeSpan.FromSeconds(10);
        var exec = table.Strings("exec");
        var touch = table.String("touch");
        var http = table.String("http");
        var kinds = new[] { exec is null ? null : "exec", touch is null ? null : "touch", http is null ? null : "http" }.OfType<string>().ToList();
        if (kinds.Count != 1)
        {
            table.Error($"action '{name}' needs exactly one of 'exec' (a command), 'touch' (a file to rewrite) or 'http' (\"POST http://...\")");
        }

        if (exec is { Length: 0 })
        {
            errors.Add(table.PositionOf("exec").Error("'exec' needs at least the program to run"));
        }

        string? method = null;
        Uri? url = null;
        if (http is not null)
        {
            var parts = http.Split(' ', 2, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !Uri.TryCreate(parts[1], UriKind.Absolute, out url) || url.Scheme != "http")
            {
                errors.Add(table.PositionOf("http").Error("'http' must be \"METHOD http://host:port/path\", e.g. \"POST http://127.0.0.1:9901/reload\""));
            }
            else
            {
                method = parts[0];
            }
        }

        table.Finish();
        return kinds.Count != 1 ? null : new ActionConfig
        {
            Name = name,
            At = at,
            Every = every,
            Until = until,
            Timeout = timeout,
            Exec = exec,
            Touch = touch is null ? null : Path.Combine(directory, touch),
            HttpMethod = method,
            HttpUrl = url,
        };
    }

    private static string? TryFormat(string format, long value)
    {
        try
        {
            return string.Format(CultureInfo.InvariantCulture, format, value);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A readable, compressible-but-not-trivial ASCII payload of <paramref name="size"/> bytes.</summary>
    internal static byte[] Payload(int size)
    {
        var bytes = new byte[size];
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)alphabet[(i * 7 + i / 61) % alphabet.Length];
        }

        return bytes;
    }

    private static bool IsIdentifier(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
