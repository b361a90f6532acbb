using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>The file the manager was about to write would not load at the gateway; nothing was written.</summary>
public sealed class PolicyRejectedException : Exception
{
    public PolicyRejectedException(IReadOnlyList<ConfigError> errors)
        : base("the gateway would refuse the policy table with this change: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
