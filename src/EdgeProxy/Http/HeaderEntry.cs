namespace EdgeProxy.Http;

/// <summary>One header line as offsets into the head buffer it was parsed from.</summary>
internal struct HeaderEntry
{
    public int NameStart;
    public int NameLength;
    public int ValueStart;
    public int ValueLength;
    public KnownHeader Known;

    /// <summary>Set when the header must not be forwarded (hop-by-hop, named in Connection, replaced by a policy).</summary>
    public bool Drop;
}
