namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[analytics]</c> and each route's <c>analytics</c> table.</summary>
internal sealed class AnalyticsValidator : IConfigValidator
{
    private const string Section = "[analytics]";

    public static readonly string[] Compressions = ["zstd", "lz4", "none"];

    /// <summary>Below this a guessed secret is within reach; 16 bytes is also what the manager generates.</summary>
    public const int MinSecretLength = 16;

    public void Validate(ValidationContext context)
    {
        ValidateSettings(context, context.Config.Analytics);
        foreach (var route in context.Config.Routes)
        {
            if (route.Analytics is { } analytics)
            {
                var p = context.Of(analytics);
                if (analytics.Sample is < 0 or > 1 && !p.IsInvalid("sample"))
                {
                    context.Error(p.Value("sample"), $"'sample' in [routes.analytics] must be between 0 and 1 (the share of successful requests kept; errors are always kept), found {analytics.Sample}");
                }
            }
        }
    }

    private static void ValidateSettings(ValidationContext context, AnalyticsSettings settings)
    {
        var p = context.Of(settings);
        if (settings.Endpoint.Length > 0 && !p.IsInvalid("endpoint"))
        {
            if (!Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                context.Error(p.Value("endpoint"), $"'endpoint' in {Section} must be an absolute http:// or https:// URL, like \"http://127.0.0.1:9900/api/ingest\", found \"{settings.Endpoint}\"");
            }

            if (Checks.Required(context, p, "secret", Section, settings.Secret) && settings.Secret.Length < MinSecretLength)
            {
                context.Error(p.Value("secret"), $"'secret' in {Section} must be at least {MinSecretLength} characters long");
            }
        }

        if (System.Text.Encoding.UTF8.GetByteCount(settings.GatewayId) > 255)
        {
            context.Error(p.Value("gateway_id"), $"'gateway_id' in {Section} must be at most 255 bytes");
        }

        Checks.Range(context, p, "batch_max_records", Section, settings.BatchMaxRecords, 1, 100_000);
        Checks.Range(context, p, "buffer", Section, settings.Buffer, 2, 1 << 24);
        Checks.Range(context, p, "error_samples_per_second", Section, settings.ErrorSamplesPerSecond, 0, 100_000);
        Checks.Positive(context, p, "flush_interval", Section, settings.FlushInterval);
        Checks.Positive(context, p, "timeout", Section, settings.Timeout);
        Checks.NotNegative(context, p, "spool_max_bytes", Section, settings.SpoolMaxBytes);
        if (Array.IndexOf(Compressions, settings.Compression) < 0 && !p.IsInvalid("compression"))
        {
            context.Error(p.Value("compression"), $"'compression' in {Section} must be one of {string.Join(", ", Compressions)}, found \"{settings.Compression}\"");
        }
    }
}
