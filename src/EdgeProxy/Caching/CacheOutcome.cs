namespace EdgeProxy.Caching;

/// <summary>What <see cref="CacheExchange.TryServe"/> did, and so what the request loop does next.</summary>
internal enum CacheOutcome : byte
{
    /// <summary>Not cacheable: forward as usual, nothing is stored.</summary>
    Bypass,

    /// <summary>A fresh entry was written to the client. The request is answered.</summary>
    Hit,

    /// <summary>A 304 was written to the client (its If-None-Match / If-Modified-Since matched a usable entry). Answered.</summary>
    NotModified,

    /// <summary>A stale entry was written (stale-while-revalidate); another request is already refreshing it. Answered.</summary>
    Stale,

    /// <summary>A stale entry was written and this request won the right to refresh it: start a background refresh. Answered.</summary>
    StaleRefresh,

    /// <summary>Forward; tee the response into the fill (<see cref="CacheExchange.BeginStore"/>).</summary>
    Miss,

    /// <summary>Forward with the stored validators (<see cref="CacheExchange.WriteConditionalHeaders"/>); a 304 refreshes the entry.</summary>
    Revalidate,

    /// <summary>
    /// The client asked for <c>only-if-cached</c> and nothing stored may answer it: the caller answers 504 without
    /// contacting the upstream (RFC 9111 §5.2.1.7).
    /// </summary>
    NotCached,

    /// <summary>Another request is fetching this response: await <see cref="CacheExchange.WaitAsync"/>, then call TryServe again.</summary>
    Wait,
}
