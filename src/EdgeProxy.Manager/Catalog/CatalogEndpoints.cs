namespace EdgeProxy.Manager.Catalog;

/// <summary>The catalog as JSON, and each version's OpenAPI document as the interactive docs load it.</summary>
public static class CatalogEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/catalog", (string? q, string? tag, string? owner, string? state, CatalogSearch search) => search.Search(q, tag, owner, state));
        app.MapGet("/catalog/{apiId}/{version}/openapi.json", (string apiId, string version, PolicyTable table, OpenApiDocuments documents) =>
        {
            var snapshot = table.Current;
            var found = snapshot.FindApi(apiId) is { IsListed: true } api ? api.Versions.FirstOrDefault(v => v.Version == version) : null;
            if (found is null)
            {
                return Results.NotFound();
            }

            var loaded = documents.Load(found);
            return loaded.Document is null
                ? Results.Problem(string.Join("\n", loaded.Errors), statusCode: StatusCodes.Status422UnprocessableEntity)
                : Results.Text(documents.ForTryItOut(loaded.Document, snapshot.Config?.ApiKeys.Header ?? "X-Api-Key"), "application/json");
        });
        app.UseSwaggerUI(ui =>
        {
            // One Swagger UI (embedded assets, no CDN) for every API: the API page links it with ?url=<document>.
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "EdgeProxy API docs";
            ui.ConfigObject.AdditionalItems["queryConfigEnabled"] = true;
            ui.EnableTryItOutByDefault();
        });
    }
}
