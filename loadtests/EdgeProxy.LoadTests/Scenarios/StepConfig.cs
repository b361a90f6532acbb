using EdgeProxy.Policy.Toml;

namespace EdgeProxy.LoadTests.Scenarios;

internal enum StepKind
{
    Http,
    WebSocket,
    Sse,
}

/// <summary>One request (or WebSocket exchange, or SSE subscription) of an iteration; steps run in file order.</summary>
internal sealed record StepConfig
{
    public required string Name { get; init; }

    public StepKind Kind { get; init; } = StepKind.Http;

    public string Method { get; init; } = "GET";

    public required TextTemplate Path { get; init; }

    public IReadOnlyList<(string Name, TextTemplate Value)> Headers { get; init; } = [];

    /// <summary>Inline body (a template) or the bytes of <c>body_file</c> / <c>body_size</c>; null: no body.</summary>
    public TextTemplate? Body { get; init; }

    public byte[]? BodyBytes { get; init; }

    public required StatusSet ExpectStatus { get; init; }

    /// <summary>Pause after this step before the next one of the iteration (and, in the closed model, the next iteration).</summary>
    public TimeSpan ThinkTime { get; init; }

    /// <summary>WebSocket: messages sent (and echoes awaited) per connection.</summary>
    public int Messages { get; init; } = 10;

    /// <summary>WebSocket: the payload of each message.</summary>
    public byte[] Message { get; init; } = [];

    /// <summary>SSE: stop after this many events (0: only <see cref="StreamDuration"/> ends the subscription).</summary>
    public int Events { get; init; }

    /// <summary>SSE: the longest the subscription is held open.</summary>
    public TimeSpan StreamDuration { get; init; } = TimeSpan.FromSeconds(5);

    public required SourcePosition Position { get; init; }
}
