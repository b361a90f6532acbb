namespace EdgeProxy.LoadTests.Scenarios;

/// <summary>Something done to the system under test while the load runs: rewrite a file, run a command, call a URL.</summary>
internal sealed record ActionConfig
{
    public required string Name { get; init; }

    /// <summary>First run, from the start of the first phase.</summary>
    public TimeSpan At { get; init; }

    /// <summary>Repeat interval; null runs the action once.</summary>
    public TimeSpan? Every { get; init; }

    public TimeSpan? Until { get; init; }

    public IReadOnlyList<string>? Exec { get; init; }

    /// <summary>A file rewritten in place (a marker comment line changes each time) and restored after the run.</summary>
    public string? Touch { get; init; }

    public string? HttpMethod { get; init; }

    public Uri? HttpUrl { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
