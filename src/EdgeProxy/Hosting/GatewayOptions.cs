namespace EdgeProxy.Hosting;

/// <summary>What the command line decides; everything else comes from the TOML.</summary>
internal sealed record GatewayOptions
{
    public required string ConfigPath { get; init; }

    /// <summary>Also serve the built-in demo upstream on this address (the sample config points at 127.0.0.1:9001).</summary>
    public string? DemoUpstream { get; init; }

    /// <summary>Watch the config path and reload on change.</summary>
    public bool Watch { get; init; } = true;
}
