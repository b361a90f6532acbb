namespace EdgeProxy.LoadTests.Scenarios;

/// <summary>Where requests go: <c>http://host:port/base</c>; step paths are appended to <see cref="BasePath"/>.</summary>
internal sealed record TargetAddress(string Host, int Port, string BasePath)
{
    public string HostHeader => Port == 80 ? Host : $"{Host}:{Port}";

    public override string ToString() => $"http://{HostHeader}{BasePath}";

    public static bool TryParse(string text, out TargetAddress? target, out string? error)
    {
        target = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"'{text}' is not an absolute http:// URL";
            return false;
        }

        if (uri.Scheme == "https")
        {
            error = "https targets are not supported yet: point the runner at a plain-HTTP listener";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            error = $"'{text}' must not carry a query, fragment or user info; put those in the steps";
            return false;
        }

        error = null;
        target = new TargetAddress(uri.IdnHost, uri.Port, uri.AbsolutePath.TrimEnd('/'));
        return true;
    }
}
