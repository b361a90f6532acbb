namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// One difference between two versions' OpenAPI documents: the operation it concerns ("GET /orders/{}"),
/// what changed, and whether a client written against the older version can break.
/// </summary>
public sealed record OpenApiChange(string Operation, string Description, bool Breaking)
{
    public override string ToString() => $"{(Breaking ? "BREAKING " : "")}{Operation}: {Description}";
}
