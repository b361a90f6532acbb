namespace EdgeProxy.Policies.Auth;

/// <summary>
/// What <see cref="ApiKeyStore.Lookup"/> found. <see cref="Consumer"/> is set for every outcome except
/// <see cref="ApiKeyOutcome.Unknown"/> and <see cref="ApiKeyOutcome.Missing"/> (logs may name who a refused key
/// belonged to; the client response must not).
/// </summary>
internal readonly struct ApiKeyResult(ApiKeyOutcome outcome, ApiKeyEntry? key)
{
    public ApiKeyOutcome Outcome { get; } = outcome;

    public CompiledConsumer? Consumer => Key?.Consumer;

    public ApiKeyEntry? Key { get; } = key;

    public bool IsOk => Outcome == ApiKeyOutcome.Ok;
}
