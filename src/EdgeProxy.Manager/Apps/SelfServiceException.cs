namespace EdgeProxy.Manager.Apps;

/// <summary>A request the person can fix (the message says how); <see cref="NotFound"/> maps to 404.</summary>
public sealed class SelfServiceException : Exception
{
    public SelfServiceException(string message, bool notFound = false)
        : base(message)
    {
        NotFound = notFound;
    }

    public bool NotFound { get; }
}
