namespace EdgeProxy.LoadTests.Scenarios;

/// <summary>A parsed and validated scenario file (immutable; the runner compiles it into request templates).</summary>
internal sealed record ScenarioConfig
{
    public required string Name { get; init; }

    public string Description { get; init; } = "";

    public required TargetAddress Target { get; init; }

    /// <summary>Per request; also how long a late open-model iteration may be before it counts as missed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reuse each connection for the next request (HTTP keep-alive); false opens one per request.</summary>
    public bool KeepAlive { get; init; } = true;

    /// <summary>Seeds random feed picks, so two runs of a scenario send the same sequence.</summary>
    public int Seed { get; init; } = 1;

    public required IReadOnlyList<FeedConfig> Feeds { get; init; }

    public required IReadOnlyList<StepConfig> Steps { get; init; }

    public required IReadOnlyList<PhaseConfig> Phases { get; init; }

    /// <summary>Overall SLOs and every step's, in file order.</summary>
    public required IReadOnlyList<SloConfig> Slos { get; init; }

    public required IReadOnlyList<ActionConfig> Actions { get; init; }

    public required string SourceFile { get; init; }

    /// <summary>Phase lengths and action times multiplied by <paramref name="factor"/> (repeat intervals stay).</summary>
    public ScenarioConfig Scaled(double factor) => factor == 1 ? this : this with
    {
        Phases = [.. Phases.Select(p => p with { Duration = Scale(p.Duration, factor) })],
        Actions = [.. Actions.Select(a => a with { At = Scale(a.At, factor), Until = a.Until is { } u ? Scale(u, factor) : null })],
    };

    private static TimeSpan Scale(TimeSpan value, double factor) => TimeSpan.FromTicks(Math.Max(1, (long)(value.Ticks * factor)));
}
