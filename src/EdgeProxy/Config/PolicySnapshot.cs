using System.Net;
using System.Text;
using EdgeProxy.Policies;
using EdgeProxy.Policy.Config;
using EdgeProxy.Routing;
using EdgeProxy.Observability;
using EdgeProxy.Upstreams;

namespace EdgeProxy.Config;

/// <summary>
/// One immutable, compiled revision of the policy table. A request reads the current snapshot once and uses
/// that reference to its end, so a reload never changes the rules under a request in flight.
/// </summary>
internal sealed class PolicySnapshot
{
    public PolicySnapshot(GatewayConfig config, string version, IReadOnlyList<string> files, RouteTable routes,
        IReadOnlyDictionary<string, UpstreamCluster> clusters, IReadOnlyDictionary<string, RouteMetrics> routeMetrics, CompiledAccess access)
    {
        Config = config;
        Version = version;
        Files = files;
        Routes = routes;
        Clusters = clusters;
        RouteMetrics = routeMetrics;
        Access = access;
        LoadedAt = DateTimeOffset.UtcNow;
        Limits = config.Limits;
        var trusted = new List<IPNetwork>();
        foreach (var cidr in config.Gateway.TrustedProxies)
        {
            if (IPNetwork.TryParse(cidr, out var network))
            {
                trusted.Add(network);
            }
            else if (IPAddress.TryParse(cidr, out var address))
            {
                trusted.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
        }

        TrustedProxies = [.. trusted];
        Via11 = Encoding.ASCII.GetBytes("1.1 " + config.Gateway.Name);
        Via10 = Encoding.ASCII.GetBytes("1.0 " + config.Gateway.Name);
        CacheName = Encoding.ASCII.GetBytes(config.Gateway.Name);
        MaxHeadBytes = Math.Max(config.Limits.MaxHeaderBytes, config.Limits.MaxRequestLineBytes + 2);
    }

    public GatewayConfig Config { get; }

    public string Version { get; }

    public IReadOnlyList<string> Files { get; }

    public DateTimeOffset LoadedAt { get; }

    public RouteTable Routes { get; }

    public IReadOnlyDictionary<string, UpstreamCluster> Clusters { get; }

    public IReadOnlyDictionary<string, RouteMetrics> RouteMetrics { get; }

    public HttpLimitsConfig Limits { get; }

    /// <summary>API keys, rate limits and quotas of this revision.</summary>
    public CompiledAccess Access { get; }

    public int MaxHeadBytes { get; }

    public IPNetwork[] TrustedProxies { get; }

    public byte[] Via11 { get; }

    public byte[] Via10 { get; }

    /// <summary>The cache's name in <c>Cache-Status</c> (RFC 9211): the gateway's name.</summary>
    public byte[] CacheName { get; }

    public bool IsTrusted(IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in TrustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
