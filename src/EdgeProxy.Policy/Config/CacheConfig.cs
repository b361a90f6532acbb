namespace EdgeProxy.Policy.Config;

/// <summary><c>[cache]</c>: the one shared in-memory response cache all caching routes store into.</summary>
public sealed record CacheSettings
{
    /// <summary>Bytes the cache may hold (keys, heads and bodies); the eviction policy keeps it under this.</summary>
    public long MaxBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Largest single response stored; a fill that grows past it is abandoned (the client still gets it).</summary>
    public long MaxEntryBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Bodies at least this large are held LZ4-compressed; zero keeps every body as sent.</summary>
    public long CompressAbove { get; init; }

    /// <summary>How long a request that found the same response already being fetched waits for it before going upstream itself.</summary>
    public TimeSpan CoalesceTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary><c>cache = { ... }</c> on a route: the route's responses may be stored and served from the shared cache.</summary>
public sealed record RouteCacheConfig
{
    /// <summary>Freshness for responses whose upstream gives none (no max-age, s-maxage or Expires); zero: such responses are not stored.</summary>
    public TimeSpan Ttl { get; init; }

    /// <summary>Request headers that always select a different entry, in addition to the upstream's <c>Vary</c>.</summary>
    public EquatableArray<string> Vary { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Each consumer gets entries of its own (the consumer id is part of the key); needs <c>auth = "api_key"</c>.</summary>
    public bool Private { get; init; }

    /// <summary>Query parameters left out of the key (tracking parameters such as <c>utm_source</c>).</summary>
    public EquatableArray<string> IgnoreQuery { get; init; } = EquatableArray<string>.Empty;

    /// <summary>Sort query parameters before keying, so <c>?a=1&amp;b=2</c> and <c>?b=2&amp;a=1</c> share an entry.</summary>
    public bool SortQuery { get; init; } = true;

    /// <summary>Honour request <c>Cache-Control: no-cache / no-store / max-age=0</c> (off: any client could drain the cache's benefit).</summary>
    public bool AllowClientBypass { get; init; }

    /// <summary>RFC 5861 default when the upstream sends no <c>stale-while-revalidate</c>.</summary>
    public TimeSpan StaleWhileRevalidate { get; init; }

    /// <summary>RFC 5861 default when the upstream sends no <c>stale-if-error</c>.</summary>
    public TimeSpan StaleIfError { get; init; }

    /// <summary>Upstream response header listing the entry's purge tags (space- or comma-separated); empty: none.</summary>
    public string TagHeader { get; init; } = "";

    /// <summary>Store responses carrying <c>Set-Cookie</c> (the cookie is then served to everyone).</summary>
    public bool ShareSetCookie { get; init; }

    /// <summary>Store responses to requests carrying <c>Authorization</c> even without <c>public</c>/<c>s-maxage</c>/<c>must-revalidate</c>.</summary>
    public bool ShareAuthorized { get; init; }
}

/// <summary><c>compression = { ... }</c> on a route: response bodies encoded for clients that accept it.</summary>
public sealed record RouteCompressionConfig
{
    /// <summary>The text types compressing pays off for; already-compressed media (images, video) is left out.</summary>
    public static readonly EquatableArray<string> DefaultTypes = new[]
    {
        "text/html", "text/plain", "text/css", "text/javascript", "text/xml", "text/csv",
        "application/json", "application/javascript", "application/xml", "application/problem+json", "image/svg+xml",
    };

    /// <summary>Media types (<c>type/subtype</c> or <c>type/*</c>) eligible; parameters such as charset are ignored.</summary>
    public EquatableArray<string> Types { get; init; } = DefaultTypes;

    /// <summary>Bodies smaller than this (by Content-Length) are sent as they are.</summary>
    public long MinSize { get; init; } = 1024;

    /// <summary>Codecs the route offers, in the server's order of preference among equal client q-values.</summary>
    public EquatableArray<string> Codecs { get; init; } = new[] { "br", "zstd", "gzip" };
}
