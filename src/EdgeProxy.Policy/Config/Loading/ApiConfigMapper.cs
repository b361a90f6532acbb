namespace EdgeProxy.Policy.Config.Loading;

/// <summary>Maps <c>[[apis]]</c> with their <c>[[apis.versions]]</c>, and a plan's <c>price</c> table.</summary>
internal static class ApiConfigMapper
{
    private static readonly (string, ApiVersionState)[] StateChoices =
    [
        ("draft", ApiVersionState.Draft),
        ("published", ApiVersionState.Published),
        ("deprecated", ApiVersionState.Deprecated),
        ("retired", ApiVersionState.Retired),
    ];

    public static ApiConfig MapApi(TableReader r)
    {
        var api = new ApiConfig
        {
            Id = r.String("id") ?? "",
            Title = r.String("title") ?? "",
            Summary = r.String("summary") ?? "",
            Owner = r.String("owner") ?? "",
            Tags = r.Strings("tags") ?? EquatableArray<string>.Empty,
        };

        var versions = new List<ApiVersionConfig>();
        foreach (var version in r.Tables("versions") ?? [])
        {
            versions.Add(MapVersion(version));
        }

        return r.Finish(api with { Versions = versions.ToArray() });
    }

    private static ApiVersionConfig MapVersion(TableReader r)
    {
        var openApi = r.String("openapi");
        return r.Finish(new ApiVersionConfig
        {
            Version = r.String("version") ?? "",
            State = r.Choice<ApiVersionState>("state", StateChoices) ?? ApiVersionState.Draft,
            Routes = r.Strings("routes") ?? EquatableArray<string>.Empty,
            OpenApi = openApi,
            OpenApiFile = openApi is null ? null : r.Context.ResolvePath(openApi),
            DeprecatedAt = r.Timestamp("deprecated_at"),
            Sunset = r.Timestamp("sunset"),
            Successor = r.String("successor"),
            Changelog = r.String("changelog") ?? "",
        });
    }

    public static PlanPriceConfig MapPrice(TableReader r)
    {
        var defaults = new PlanPriceConfig();
        return r.Finish(new PlanPriceConfig
        {
            Monthly = r.Decimal("monthly") ?? defaults.Monthly,
            PerCall = r.Decimal("per_call") ?? defaults.PerCall,
            Overage = r.Decimal("overage") ?? defaults.Overage,
            Currency = r.String("currency") ?? defaults.Currency,
        });
    }

    /// <summary>The TOML spelling of a state, for messages.</summary>
    public static string StateName(ApiVersionState state) => state switch
    {
        ApiVersionState.Draft => "draft",
        ApiVersionState.Published => "published",
        ApiVersionState.Deprecated => "deprecated",
        _ => "retired",
    };
}
