namespace EdgeProxy.Policy.Config;

/// <summary>
/// <c>[[apis]]</c>: an API as a product. It groups routes into versions, each with a lifecycle state the
/// gateway enforces (drafts for testers only, deprecation headers, retired versions answer 410) and the
/// manager's catalogue shows (title, summary, owner, OpenAPI document, changelog).
/// </summary>
public sealed record ApiConfig
{
    /// <summary>Stable id: lower-case letters, digits and '-'; appears in URLs, error bodies and consumer grants.</summary>
    public string Id { get; init; } = "";

    public string Title { get; init; } = "";

    public string Summary { get; init; } = "";

    /// <summary>The owning team (the publisher role in the manager); empty when not set.</summary>
    public string Owner { get; init; } = "";

    public EquatableArray<string> Tags { get; init; } = EquatableArray<string>.Empty;

    public EquatableArray<ApiVersionConfig> Versions { get; init; } = EquatableArray<ApiVersionConfig>.Empty;
}

/// <summary><c>[[apis.versions]]</c>: one version of an API, the routes serving it and where it is in its lifecycle.</summary>
public sealed record ApiVersionConfig
{
    /// <summary>Version id, unique within the API (<c>v1</c>, <c>2024-06</c>).</summary>
    public string Version { get; init; } = "";

    public ApiVersionState State { get; init; } = ApiVersionState.Draft;

    /// <summary>Ids of the <c>[[routes]]</c> serving this version; a route belongs to at most one API version.</summary>
    public EquatableArray<string> Routes { get; init; } = EquatableArray<string>.Empty;

    /// <summary>The OpenAPI document as written (relative to the TOML file that declares it); null when not set.</summary>
    public string? OpenApi { get; init; }

    /// <summary><see cref="OpenApi"/> resolved to an absolute path; null when not set.</summary>
    public string? OpenApiFile { get; init; }

    /// <summary>When the version was (or will be) deprecated: the RFC 9745 <c>Deprecation</c> header's date. Required for <see cref="ApiVersionState.Deprecated"/>.</summary>
    public DateTimeOffset? DeprecatedAt { get; init; }

    /// <summary>When the version stops answering: the RFC 8594 <c>Sunset</c> header.</summary>
    public DateTimeOffset? Sunset { get; init; }

    /// <summary>The version callers should move to, in the same API; null when none.</summary>
    public string? Successor { get; init; }

    public string Changelog { get; init; } = "";
}

/// <summary>Where an API version is in its lifecycle.</summary>
public enum ApiVersionState
{
    /// <summary>Being built: only consumers tagged <c>tester</c> may call it; everyone else gets 404.</summary>
    Draft,

    /// <summary>Open to every caller the route's policies admit.</summary>
    Published,

    /// <summary>Still served, with <c>Deprecation</c>, <c>Sunset</c> and successor <c>Link</c> headers on every response.</summary>
    Deprecated,

    /// <summary>No longer served: 410 Gone without contacting the upstream.</summary>
    Retired,
}
