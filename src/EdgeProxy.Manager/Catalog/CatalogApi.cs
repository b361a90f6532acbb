namespace EdgeProxy.Manager.Catalog;

/// <summary>An API product as the portal shows it, read from the policy table's <c>[[apis]]</c>.</summary>
public sealed record CatalogApi(
    string Id,
    string Title,
    string Summary,
    string Owner,
    IReadOnlyList<string> Tags,
    IReadOnlyList<CatalogApiVersion> Versions)
{
    /// <summary>The API's badge: its newest published version's state, else the most advanced state any version has.</summary>
    public string State
    {
        get
        {
            foreach (var state in (string[])["published", "deprecated", "draft", "retired"])
            {
                foreach (var version in Versions)
                {
                    if (version.State == state)
                    {
                        return state;
                    }
                }
            }

            return "draft";
        }
    }

    /// <summary>Whether developers see it: at least one published or deprecated version.</summary>
    public bool IsListed
    {
        get
        {
            foreach (var version in Versions)
            {
                if (version.State is "published" or "deprecated")
                {
                    return true;
                }
            }

            return false;
        }
    }
}

public sealed record CatalogApiVersion(
    string Version,
    string State,
    IReadOnlyList<string> Routes,
    string? OpenApiPath,
    string? OpenApiFile,
    DateTimeOffset? DeprecatedAt,
    DateTimeOffset? Sunset,
    string? Successor,
    string Changelog);
