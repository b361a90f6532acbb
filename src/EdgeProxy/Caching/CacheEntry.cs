namespace EdgeProxy.Caching;

/// <summary>
/// One stored response, pre-serialized: a hit copies <see cref="Head"/>, a few per-request header lines and
/// <see cref="Body"/> into the client's pipe. Everything but the eviction bookkeeping is immutable once stored,
/// so a reader may keep serving an entry that was evicted meanwhile (the GC keeps its arrays alive).
/// </summary>
internal sealed class CacheEntry
{
    /// <summary>Bookkeeping cost per entry beyond its arrays (object headers, dictionary node), so tiny entries count too.</summary>
    public const int Overhead = 160;

    public required byte[] Key { get; init; }

    /// <summary>Offset and length of the request path inside <see cref="Key"/> (purge by prefix).</summary>
    public int PathStart { get; init; }

    public int PathLength { get; init; }

    public required string RouteId { get; init; }

    /// <summary>Status line and stored headers, Content-Length included, without the blank line that ends the head.</summary>
    public byte[] Head { get; init; } = [];

    /// <summary>The 304 answer's status line and headers (validators, Cache-Control, Expires, Vary, Date), same form.</summary>
    public byte[] NotModifiedHead { get; init; } = [];

    /// <summary>The body as sent, or LZ4-compressed when <see cref="Lz4"/>.</summary>
    public byte[] Body { get; init; } = [];

    public int BodyLength { get; init; }

    public bool Lz4 { get; init; }

    public int Status { get; init; }

    public Freshness Freshness { get; init; }

    /// <summary>The ETag value as sent (quotes and W/ included), or empty.</summary>
    public byte[] ETag { get; init; } = [];

    /// <summary>The Last-Modified value as sent, or empty; <see cref="LastModifiedMs"/> parsed, -1 without one.</summary>
    public byte[] LastModified { get; init; } = [];

    public long LastModifiedMs { get; init; } = -1;

    /// <summary>The media type as sent (parameters included), or empty: decides whether an encoded copy may be made.</summary>
    public byte[] ContentType { get; init; } = [];

    /// <summary>The upstream said <c>no-transform</c>, or the body already has a Content-Encoding: never re-encoded.</summary>
    public bool NoTransform { get; init; }

    /// <summary>The stored head carries a Vary header of its own.</summary>
    public bool HasVary { get; init; }

    /// <summary>For an encoded copy (stored under the identity entry's key + <c>\x02</c> + token): its coding.</summary>
    public Compression.ContentCodec Encoding { get; init; }

    /// <summary>Purge tags from the route's tag header.</summary>
    public byte[][] Tags { get; init; } = [];

    /// <summary>
    /// Set on a marker entry stored under the base key of a response that varies: the (lower-case) request
    /// headers whose values select the variant. Markers are evicted like entries; an orphaned variant is never
    /// found again, is never visited and so leaves first.
    /// </summary>
    public byte[][]? VaryNames { get; init; }

    public bool IsVaryMarker => VaryNames is not null;

    public long Size => Overhead + Key.Length + Head.Length + NotModifiedHead.Length + Body.Length + ETag.Length + LastModified.Length + TagBytes();

    public bool HasValidator => ETag.Length > 0 || LastModified.Length > 0;

    /// <summary>For an encoded copy: the identity entry it was made from (a refreshed identity entry makes the copy outdated).</summary>
    internal CacheEntry? Source { get; init; }

    // SIEVE bookkeeping, changed only under the store's lock except Visited (a benign racy flag set by readers).
    internal CacheEntry? Newer;
    internal CacheEntry? Older;
    internal bool Visited;
    internal bool Linked;
    internal long AccountedSize;

    /// <summary>1 while a background refresh for this entry is in flight (stale-while-revalidate runs one at a time).</summary>
    internal int Refreshing;

    private long TagBytes()
    {
        long total = 0;
        foreach (var tag in Tags)
        {
            total += tag.Length + 24;
        }

        if (VaryNames is { } names)
        {
            foreach (var name in names)
            {
                total += name.Length + 24;
            }
        }

        return total;
    }
}
