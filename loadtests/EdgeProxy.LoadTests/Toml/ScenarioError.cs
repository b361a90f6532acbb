namespace EdgeProxy.LoadTests.Toml;

/// <summary>One problem in a scenario, printed as <c>file:line:column: message</c>.</summary>
internal sealed record ScenarioError(SourcePosition Position, string Message)
{
    public override string ToString() => $"{Position}: {Message}";
}
