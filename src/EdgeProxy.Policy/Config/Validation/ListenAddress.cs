using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// <c>host:port</c> for the gateway's own sockets: an IP literal (IPv6 in brackets) or <c>localhost</c>.
/// Other host names are refused because binding to one would depend on DNS at start-up and on reload.
/// </summary>
public static class ListenAddress
{
    public const string Example = "\"127.0.0.1:8080\", \"0.0.0.0:8080\" or \"[::1]:8443\"";

    /// <summary>Null when <paramref name="value"/> is valid, else what is wrong with it.</summary>
    public static string? Check(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return "it has no ':port'";
        }

        var host = value[..colon];
        var port = value[(colon + 1)..];
        string? hostProblem;
        if (host.StartsWith('['))
        {
            hostProblem = host.EndsWith(']') && IPAddress.TryParse(host[1..^1], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6
                ? null
                : $"'{host}' is not a bracketed IPv6 address";
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            hostProblem = "an IPv6 address must be written in brackets, e.g. \"[::1]:8443\"";
        }
        else if (host.Length == 0)
        {
            hostProblem = "the host is missing (use \"0.0.0.0\" to listen on every IPv4 address)";
        }
        else
        {
            hostProblem = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IsDottedQuad(host)
                ? null
                : $"'{host}' is not an IP address or localhost";
        }

        if (hostProblem is not null)
        {
            return hostProblem;
        }

        if (port.Length == 0 || port.Length > 5 || !port.All(char.IsAsciiDigit)
            || int.Parse(port, CultureInfo.InvariantCulture) is < 0 or > 65535)
        {
            return $"the port '{port}' is not a number from 0 (any free port) to 65535";
        }

        return null;
    }

    /// <summary>The socket address of a value that passed <see cref="Check"/>; <c>localhost</c> binds IPv4 loopback.</summary>
    public static IPEndPoint ToEndPoint(string value)
    {
        if (Check(value) is { } problem)
        {
            throw new FormatException($"'{value}' is not a listen address: {problem}");
        }

        var colon = value.LastIndexOf(':');
        var host = value[..colon].Trim('[', ']');
        var address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(host);
        return new IPEndPoint(address, int.Parse(value.AsSpan(colon + 1), CultureInfo.InvariantCulture));
    }

    // IPAddress.TryParse also takes "1" or "10.1" (inet_aton forms); in a listen address those are typos.
    private static bool IsDottedQuad(string host)
    {
        var parts = host.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return false;
            }
        }

        return true;
    }
}
