using System.Text.Json.Serialization;

namespace EdgeProxy.LoadTests.Scenarios;

internal enum LoadModel
{
    /// <summary>A fixed number of virtual users, each with its own connection, each iteration after the last.</summary>
    [JsonStringEnumMemberName("closed")]
    Closed,

    /// <summary>Iterations start at a given arrival rate whatever the response times (latency from the intended start).</summary>
    [JsonStringEnumMemberName("open")]
    Open,
}

internal sealed record PhaseConfig
{
    public required string Name { get; init; }

    public LoadModel Model { get; init; }

    public required TimeSpan Duration { get; init; }

    /// <summary>Closed: virtual users. Open: connections that carry the arrivals (at most one request each at a time).</summary>
    public int Connections { get; init; }

    /// <summary>Open: iterations per second at the start of the phase.</summary>
    public double Rate { get; init; }

    /// <summary>Open: iterations per second at the end (a linear ramp); equal to <see cref="Rate"/> for a constant rate.</summary>
    public double RateTo { get; init; }

    /// <summary>Closed: stop the phase after this many iterations in all (0: only the duration ends it).</summary>
    public long Iterations { get; init; }

    /// <summary>False for warm-up phases: they load the target but their numbers are left out of the results.</summary>
    public bool Record { get; init; } = true;
}
