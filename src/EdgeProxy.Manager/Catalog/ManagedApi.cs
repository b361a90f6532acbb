namespace EdgeProxy.Manager.Catalog;

/// <summary>An API created in the manager; tags and routes are JSON arrays in the database.</summary>
public sealed class ManagedApi
{
    public string Id { get; set; } = "";

    public string Title { get; set; } = "";

    public string Summary { get; set; } = "";

    public string Owner { get; set; } = "";

    public string Tags { get; set; } = "[]";

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One version of a <see cref="ManagedApi"/> and where it is in its lifecycle.</summary>
public sealed class ManagedApiVersion
{
    public string ApiId { get; set; } = "";

    public string Version { get; set; } = "";

    public string State { get; set; } = "draft";

    public string Routes { get; set; } = "[]";

    public string? OpenApi { get; set; }

    public DateTimeOffset? DeprecatedAt { get; set; }

    public DateTimeOffset? Sunset { get; set; }

    public string? Successor { get; set; }

    public string Changelog { get; set; } = "";
}
