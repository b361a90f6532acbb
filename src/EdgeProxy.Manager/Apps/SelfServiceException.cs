namespace EdgeProxy.Manager.Apps;

/// <summary>A request the person can fix (the message says how); <see cref="NotFound"/> maps to 404, <see cref="Forbidden"/> to 403.</summary>
public sealed class SelfServiceException : Exception
{
    public SelfServiceException(string message, bool notFound = false, bool forbidden = false)
        : base(message)
    {
        NotFound = notFound;
        Forbidden = forbidden;
    }

    public bool NotFound { get; }

    /// <summary>Maps to 403: the actor may not do this (as opposed to a request they can fix).</summary>
    public bool Forbidden { get; }
}
