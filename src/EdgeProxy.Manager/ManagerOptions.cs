using System.Net;

namespace EdgeProxy.Manager;

/// <summary>Command-line options of <c>edgeproxy-manager</c>.</summary>
public sealed record ManagerOptions
{
    public const string Usage = """
        usage: edgeproxy-manager --config DIR --data DIR [--listen 127.0.0.1:9900] [--gateway http://127.0.0.1:8080]
                                 [--gateway-admin http://127.0.0.1:9901]
          --config   the gateway's config directory (the manager reads it and writes manager-consumers.toml there)
          --data     where manager.db (SQLite) lives
          --listen   address of the portal and admin API (loopback by default)
          --gateway  the gateway's public base URL, for try-it-out and code samples
          --gateway-admin  the gateway's admin port, read for each subscription's quota usage
          --secure-cookies auto|always  auto (default): session and antiforgery cookies are Secure when the request
                     came over HTTPS; always: every request is taken as HTTPS (the manager is reached only through
                     a TLS-terminating proxy), so every cookie is Secure
          --trusted-proxy IP  a TLS-terminating proxy whose X-Forwarded-Proto/-For the manager believes (repeatable)
        """ + "\n" + EdgeProxy.Manager.Analytics.AnalyticsSettings.Usage;

    public string ConfigDirectory { get; init; } = "";

    public string DataDirectory { get; init; } = "";

    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 9900);

    public string GatewayUrl { get; init; } = "http://127.0.0.1:8080";

    public string GatewayAdminUrl { get; init; } = "http://127.0.0.1:9901";

    public EdgeProxy.Manager.Analytics.AnalyticsSettings Analytics { get; init; } = new();

    /// <summary>
    /// Whether every request is taken as HTTPS, so every cookie gets <c>Secure</c>. Off, cookies are Secure exactly
    /// when the request is HTTPS (as a trusted proxy says), so plain-HTTP loopback keeps working.
    /// </summary>
    public bool AlwaysSecureCookies { get; init; }

    /// <summary>Proxies whose X-Forwarded-Proto and X-Forwarded-For are believed; nobody else's are.</summary>
    public IReadOnlyList<IPAddress> TrustedProxies { get; init; } = [];

    /// <summary>Parses arguments; the error says what is wrong (options null then).</summary>
    public static (ManagerOptions? Options, string? Error) Parse(string[] args)
    {
        var options = new ManagerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            if (value is null)
            {
                return (null, $"option '{args[i]}' needs a value");
            }

            var analytics = options.Analytics;
            if (EdgeProxy.Manager.Analytics.AnalyticsSettings.TryApply(args[i], value, ref analytics, out var analyticsError))
            {
                if (analyticsError is not null)
                {
                    return (null, analyticsError);
                }

                options = options with { Analytics = analytics };
                i++;
                continue;
            }

            switch (args[i])
            {
                case "--config": options = options with { ConfigDirectory = value }; break;
                case "--data": options = options with { DataDirectory = value }; break;
                case "--gateway":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var gateway) || gateway.Scheme is not ("http" or "https"))
                    {
                        return (null, $"--gateway '{value}' is not an http(s) URL");
                    }

                    options = options with { GatewayUrl = value.TrimEnd('/') };
                    break;
                case "--gateway-admin":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var admin) || admin.Scheme is not ("http" or "https"))
                    {
                        return (null, $"--gateway-admin '{value}' is not an http(s) URL");
                    }

                    options = options with { GatewayAdminUrl = value.TrimEnd('/') };
                    break;
                case "--secure-cookies":
                    if (value is not ("auto" or "always"))
                    {
                        return (null, $"--secure-cookies '{value}' is not auto or always");
                    }

                    options = options with { AlwaysSecureCookies = value == "always" };
                    break;
                case "--trusted-proxy":
                    if (!IPAddress.TryParse(value, out var proxy))
                    {
                        return (null, $"--trusted-proxy '{value}' is not an IP address");
                    }

                    options = options with { TrustedProxies = [.. options.TrustedProxies, proxy] };
                    break;
                case "--listen":
                    if (!IPEndPoint.TryParse(value, out var listen))
                    {
                        return (null, $"--listen '{value}' is not an address:port");
                    }

                    options = options with { Listen = listen };
                    break;
                default:
                    return (null, $"unknown option '{args[i]}'");
            }

            i++;
        }

        if (options.ConfigDirectory.Length == 0 || options.DataDirectory.Length == 0)
        {
            return (null, "--config and --data are required");
        }

        return (options, null);
    }
}
