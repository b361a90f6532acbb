namespace EdgeProxy.Policies;

/// <summary>What the access policies of a route say about one request.</summary>
internal enum AccessDecision : byte
{
    Allow,

    /// <summary>No, unknown, expired or revoked key: 401 (with <c>WWW-Authenticate</c> when missing).</summary>
    Unauthorized,

    /// <summary>A valid key of a disabled consumer: 403.</summary>
    Forbidden,

    /// <summary>A rate limit refused: 429 with <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>The consumer's quota for a period is used up: 429 with <c>Retry-After</c> at the period's end.</summary>
    QuotaExceeded,

    /// <summary>A draft API version and a caller who is not a tester (or has no valid key): 404, as if the route did not exist.</summary>
    Hidden,

    /// <summary>A valid key of a consumer whose <c>apis</c> leave out the route's API: 403.</summary>
    ApiNotGranted,
}
