using System.Text;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Caching;

/// <summary>A route's <see cref="RouteCacheConfig"/> compiled to bytes and milliseconds once per reload.</summary>
internal sealed class RouteCachePolicy
{
    public RouteCachePolicy(string routeId, RouteCacheConfig config)
    {
        RouteId = routeId;
        Config = config;
        TtlMs = (long)config.Ttl.TotalMilliseconds;
        StaleWhileRevalidateMs = (long)config.StaleWhileRevalidate.TotalMilliseconds;
        StaleIfErrorMs = (long)config.StaleIfError.TotalMilliseconds;
        Vary = new byte[config.Vary.Count][];
        for (var i = 0; i < Vary.Length; i++)
        {
            Vary[i] = Encoding.ASCII.GetBytes(config.Vary[i].ToLowerInvariant());
        }

        IgnoreQuery = new byte[config.IgnoreQuery.Count][];
        for (var i = 0; i < IgnoreQuery.Length; i++)
        {
            IgnoreQuery[i] = Encoding.UTF8.GetBytes(config.IgnoreQuery[i]);
        }

        TagHeader = Encoding.ASCII.GetBytes(config.TagHeader);
    }

    public string RouteId { get; }

    public RouteCacheConfig Config { get; }

    public long TtlMs { get; }

    public long StaleWhileRevalidateMs { get; }

    public long StaleIfErrorMs { get; }

    /// <summary>Request header names (lower case) always part of the key.</summary>
    public byte[][] Vary { get; }

    public byte[][] IgnoreQuery { get; }

    public bool SortQuery => Config.SortQuery;

    public bool Private => Config.Private;

    public bool AllowClientBypass => Config.AllowClientBypass;

    public bool ShareSetCookie => Config.ShareSetCookie;

    public bool ShareAuthorized => Config.ShareAuthorized;

    /// <summary>Empty: entries carry no tags.</summary>
    public byte[] TagHeader { get; }
}
