using System.Net;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>The process-wide sections: <c>[gateway]</c>, <c>[limits]</c> and <c>[admin]</c>.</summary>
internal sealed class GatewayValidator : IConfigValidator
{
    public void Validate(ValidationContext context)
    {
        ValidateGateway(context, context.Config.Gateway);
        ValidateLimits(context, context.Config.Limits);
        ValidateAdmin(context, context.Config.Admin);
    }

    private static void ValidateGateway(ValidationContext context, GatewaySettings gateway)
    {
        const string Section = "[gateway]";
        var p = context.Of(gateway);
        if (p.Has("name") && Checks.Required(context, p, "name", Section, gateway.Name) && !HttpSyntax.IsToken(gateway.Name))
        {
            context.Error(p.Value("name"), $"'name' in {Section} is sent in Via headers and must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~), found \"{gateway.Name}\"");
        }

        Checks.Positive(context, p, "drain_timeout", Section, gateway.DrainTimeout);
        for (var i = 0; i < gateway.TrustedProxies.Count; i++)
        {
            var cidr = gateway.TrustedProxies[i];
            if (!IPNetwork.TryParse(cidr, out var network))
            {
                context.Error(p.Item("trusted_proxies", i), $"'trusted_proxies' in {Section} must hold CIDR ranges like \"10.0.0.0/8\" or IP addresses, found \"{cidr}\"");
            }
            else if (cidr.IndexOf('/', StringComparison.Ordinal) is var slash and > 0
                && IPAddress.TryParse(cidr.AsSpan(0, slash), out var written) && !written.Equals(network.BaseAddress))
            {
                // IPNetwork quietly clears the host bits; whoever wrote "10.1.2.3/8" may have meant one host,
                // and trusting a /8 by accident is not a mistake to make silently.
                context.Error(p.Item("trusted_proxies", i), $"\"{cidr}\" in 'trusted_proxies' has address bits set beyond the /{network.PrefixLength} prefix; write \"{network}\" for the range, or the address alone for one host");
            }
        }

        if (p.Has("access_log"))
        {
            Checks.Required(context, p, "access_log", Section, gateway.AccessLog);
        }

        Checks.Range(context, p, "access_log_buffer", Section, gateway.AccessLogBuffer, 1, int.MaxValue);
        Checks.Positive(context, p, "reload_debounce", Section, gateway.ReloadDebounce);
        if (Array.IndexOf(GatewaySettings.LogLevels, gateway.LogLevel) < 0 && !p.IsInvalid("log_level"))
        {
            context.Error(p.Value("log_level"), $"'log_level' in {Section} must be one of {string.Join(", ", GatewaySettings.LogLevels)}, found \"{gateway.LogLevel}\"");
        }
    }

    private static void ValidateLimits(ValidationContext context, HttpLimitsConfig limits)
    {
        const string Section = "[limits]";
        var p = context.Of(limits);

        // Zero would reject every request; the parser is never handed more than these (STYLE pattern 9).
        Checks.Range(context, p, "max_request_line", Section, limits.MaxRequestLineBytes, 1, int.MaxValue);
        Checks.Range(context, p, "max_header_bytes", Section, limits.MaxHeaderBytes, 1, int.MaxValue);
        Checks.Range(context, p, "max_headers", Section, limits.MaxHeaderCount, 1, 10_000);
        Checks.Positive(context, p, "header_timeout", Section, limits.HeaderTimeout);
        Checks.Positive(context, p, "keepalive_timeout", Section, limits.KeepAliveTimeout);
        Checks.NotNegative(context, p, "max_body", Section, limits.MaxBodyBytes);
        Checks.Range(context, p, "max_connections_per_ip", Section, limits.MaxConnectionsPerIp, 0, 1_000_000);
        if (p.Has("connection_rate_per_ip") && !p.IsInvalid("connection_rate_per_ip"))
        {
            Checks.Range(context, p, "connection_rate_per_ip", Section, limits.ConnectionRateTokens, 1, RateLimitChecks.MaxTokens);
            Checks.Range(context, p, "connection_burst_per_ip", Section, limits.ConnectionBurstPerIp, 1, RateLimitChecks.MaxTokens);
        }
        else if (p.Has("connection_burst_per_ip"))
        {
            context.Error(p.Value("connection_burst_per_ip"), "'connection_burst_per_ip' in [limits] needs 'connection_rate_per_ip', e.g. connection_rate_per_ip = \"20/s\"");
        }
    }

    private static void ValidateAdmin(ValidationContext context, AdminConfig admin)
    {
        var p = context.Of(admin);
        if (admin.Listen.Length > 0 && ListenAddress.Check(admin.Listen) is { } problem)
        {
            context.Error(p.Value("listen"), $"'listen' in [admin] must be host:port like {ListenAddress.Example}, or \"\" to disable the admin port; \"{admin.Listen}\" is wrong: {problem}");
        }
    }
}
