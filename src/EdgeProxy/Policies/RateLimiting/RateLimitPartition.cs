namespace EdgeProxy.Policies.RateLimiting;

/// <summary>What part of a request picks a limit's bucket.</summary>
internal enum RateLimitPartition
{
    /// <summary>One bucket for all requests (<c>scope = "route"</c>).</summary>
    None,

    /// <summary>The client address bytes (<see cref="ClientAddressKey"/>).</summary>
    ClientAddress,

    /// <summary>The authenticated consumer's id bytes.</summary>
    Consumer,
}
