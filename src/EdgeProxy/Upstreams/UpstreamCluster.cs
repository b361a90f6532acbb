using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Upstreams;

/// <summary>
/// The runtime side of a cluster: its endpoints and their pools. Kept across reloads while its
/// <see cref="ClusterConfig"/> is unchanged, so a reload does not drop warm connections.
/// </summary>
internal sealed class UpstreamCluster
{
    private readonly UpstreamEndpoint[] _endpoints;
    private uint _next;

    public UpstreamCluster(ClusterConfig config, UpstreamConnector connector)
    {
        Config = config;
        var tls = BuildTls(config.Tls);
        _endpoints = new UpstreamEndpoint[config.Endpoints.Count];
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var uri = new Uri(config.Endpoints[i]);
            var endpointTls = uri.Scheme == Uri.UriSchemeHttps ? WithHost(tls, uri.IdnHost) : null;
            _endpoints[i] = new UpstreamEndpoint(uri, connector, config.MaxIdleConnections, config.IdleTimeout, endpointTls,
                (int)config.ReceiveBuffer);
        }
    }

    public ClusterConfig Config { get; }

    public string Id => Config.Id;

    public ReadOnlySpan<UpstreamEndpoint> Endpoints => _endpoints;

    /// <summary>
    /// Round robin over the endpoints not ejected by a failed connect; when every endpoint is ejected, plain round
    /// robin (trying beats refusing). Active health checks and other balancing come with a later issue.
    /// </summary>
    public UpstreamEndpoint Next()
    {
        // One endpoint gets every request anyway; skipping the shared counter keeps its cache line off the cores' path.
        if (_endpoints.Length == 1)
        {
            return _endpoints[0];
        }

        var index = Interlocked.Increment(ref _next);
        var count = (uint)_endpoints.Length;
        for (var i = 0u; i < count; i++)
        {
            var endpoint = _endpoints[(int)((index + i) % count)];
            if (endpoint.IsAvailable)
            {
                return endpoint;
            }
        }

        return _endpoints[(int)(index % count)];
    }

    public void Retire()
    {
        foreach (var endpoint in _endpoints)
        {
            endpoint.Retire();
        }
    }

    private static SslClientAuthenticationOptions BuildTls(UpstreamTlsConfig? config)
    {
        var options = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
            TargetHost = config?.ServerName,
        };

        if (config is null)
        {
            return options;
        }

        if (config.ClientCertificateFile is { } certFile && config.ClientKeyFile is { } keyFile)
        {
            options.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }

        if (config.Insecure)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (config.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            options.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            options.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }

        return options;
    }

    private static SslClientAuthenticationOptions WithHost(SslClientAuthenticationOptions template, string host) => new()
    {
        EnabledSslProtocols = template.EnabledSslProtocols,
        TargetHost = template.TargetHost ?? host,
        ClientCertificates = template.ClientCertificates,
        RemoteCertificateValidationCallback = template.RemoteCertificateValidationCallback,
        CertificateChainPolicy = template.CertificateChainPolicy,
    };
}
