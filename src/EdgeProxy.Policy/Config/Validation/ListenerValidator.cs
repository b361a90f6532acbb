namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[[listeners]]</c>: names, addresses and server TLS.</summary>
internal sealed class ListenerValidator : IConfigValidator
{
    private const string Section = "[[listeners]]";

    public void Validate(ValidationContext context)
    {
        var listeners = context.Config.Listeners;
        if (listeners.Count == 0 && context.IsComplete)
        {
            context.Error(context.Start, "no [[listeners]] defined; the gateway needs at least one address to accept clients on, e.g. [[listeners]] name = \"public\" listen = \"127.0.0.1:8080\"");
        }

        foreach (var listener in listeners)
        {
            var p = context.Of(listener);
            Checks.Id(context, p, "name", Section, listener.Name);
            if (Checks.Required(context, p, "listen", Section, listener.Listen) && ListenAddress.Check(listener.Listen) is { } problem)
            {
                context.Error(p.Value("listen"), $"'listen' in {Section} must be host:port like {ListenAddress.Example}; \"{listener.Listen}\" is wrong: {problem}");
            }

            if (listener.Tls is { } tls)
            {
                ValidateTls(context, tls);
            }
        }

        Checks.Unique(context, listeners, l => l.Name, "name", "listener name", StringComparer.Ordinal);

        // Two sockets on one address: the second bind would fail at start-up, or worse, only on reload.
        // Port 0 asks the OS for any free port, so two of them never clash.
        var fixedPorts = listeners.Where(l => !l.Listen.EndsWith(":0", StringComparison.Ordinal)).ToArray();
        Checks.Unique(context, fixedPorts, l => l.Listen, "listen", "listen address", StringComparer.OrdinalIgnoreCase);
        var admin = context.Config.Admin;
        foreach (var listener in fixedPorts)
        {
            if (admin.Listen.Length > 0 && string.Equals(admin.Listen, listener.Listen, StringComparison.OrdinalIgnoreCase))
            {
                context.Error(context.Of(admin).Value("listen"), $"[admin] listens on {admin.Listen}, which {Checks.Name("listener", listener.Name)} already uses ({context.Of(listener).Value("listen")})");
            }
        }
    }

    private static void ValidateTls(ValidationContext context, ListenerTlsConfig tls)
    {
        const string TlsSection = "[listeners.tls]";
        const string SniSection = "[[listeners.tls.sni]]";
        var p = context.Of(tls);
        Checks.ExistingFile(context, p, "certificate", TlsSection, tls.CertificateFile, required: true);
        Checks.ExistingFile(context, p, "key", TlsSection, tls.KeyFile, required: true);
        Checks.ExistingFile(context, p, "client_ca", TlsSection, tls.ClientCaFile, required: false);
        foreach (var sni in tls.Sni)
        {
            var s = context.Of(sni);
            if (Checks.Required(context, s, "host", SniSection, sni.Host) && (sni.Host == "*" || !HostNames.IsHostPattern(sni.Host)))
            {
                context.Error(s.Value("host"), $"'host' in {SniSection} must be a host name like \"api.example.com\" or \"*.example.com\", found \"{sni.Host}\"");
            }

            Checks.ExistingFile(context, s, "certificate", SniSection, sni.CertificateFile, required: true);
            Checks.ExistingFile(context, s, "key", SniSection, sni.KeyFile, required: true);
        }

        Checks.Unique(context, tls.Sni, s => s.Host, "host", "SNI host", StringComparer.OrdinalIgnoreCase);
    }
}
