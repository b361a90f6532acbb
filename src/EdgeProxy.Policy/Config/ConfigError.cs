namespace EdgeProxy.Policy.Config;

/// <summary>One problem in the config file set, pointing at the offending value (1-based line and column).</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message)
{
    /// <summary>The compiler-style <c>file:line:column: message</c> that editors and terminals turn into links.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
