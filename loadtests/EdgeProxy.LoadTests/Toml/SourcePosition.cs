namespace EdgeProxy.LoadTests.Toml;

/// <summary>A 1-based place in a scenario file; every load error names one.</summary>
internal readonly record struct SourcePosition(string File, int Line, int Column)
{
    public ScenarioError Error(string message) => new(this, message);

    public override string ToString() => $"{File}:{Line}:{Column}";
}
