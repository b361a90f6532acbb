using System.Globalization;
using System.Net;

namespace EdgeProxy.Hosting;

/// <summary>Parses the <c>host:port</c> strings of the config (<c>127.0.0.1:8080</c>, <c>[::1]:8080</c>, <c>localhost:8080</c>).</summary>
internal static class ListenAddress
{
    public static IPEndPoint Parse(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException($"'{value}' is not host:port");
        }

        var host = value[..colon].Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host);
        return new IPEndPoint(address, port);
    }
}
