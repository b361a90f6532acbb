namespace EdgeProxy.Policies.Auth;

/// <summary>
/// The result of presenting an API key. Append only: the names leave the process (metric labels, the access
/// log, JSON errors), pinned by a test.
/// </summary>
internal enum ApiKeyOutcome : byte
{
    Ok = 0,

    /// <summary>No key in the header or query parameter: 401 with <c>WWW-Authenticate</c>.</summary>
    Missing,

    /// <summary>No consumer has this key: 401.</summary>
    Unknown,

    /// <summary>The key's <c>expires_at</c> has passed: 401.</summary>
    Expired,

    /// <summary>The key is marked <c>revoked</c>: 401.</summary>
    Revoked,

    /// <summary>A valid key of a consumer with <c>enabled = false</c>: 403.</summary>
    ConsumerDisabled,
}

/// <summary>Status codes, names and client messages of <see cref="ApiKeyOutcome"/>.</summary>
internal static class ApiKeyOutcomes
{
    public static int StatusCode(ApiKeyOutcome outcome) => outcome switch
    {
        ApiKeyOutcome.Ok => 200,
        ApiKeyOutcome.ConsumerDisabled => 403,
        _ => 401,
    };

    /// <summary>The snake_case name used in metrics and logs.</summary>
    public static string Name(ApiKeyOutcome outcome) => outcome switch
    {
        ApiKeyOutcome.Ok => "ok",
        ApiKeyOutcome.Missing => "missing",
        ApiKeyOutcome.Unknown => "unknown",
        ApiKeyOutcome.Expired => "expired",
        ApiKeyOutcome.Revoked => "revoked",
        _ => "consumer_disabled",
    };

    /// <summary>The <c>error</c> text of the JSON body; never names the consumer or echoes the key.</summary>
    public static string Message(ApiKeyOutcome outcome) => outcome switch
    {
        ApiKeyOutcome.Ok => "",
        ApiKeyOutcome.Missing => "an API key is required",
        ApiKeyOutcome.Unknown => "the API key is not valid",
        ApiKeyOutcome.Expired => "the API key has expired",
        ApiKeyOutcome.Revoked => "the API key has been revoked",
        _ => "the API key's consumer is disabled",
    };
}
