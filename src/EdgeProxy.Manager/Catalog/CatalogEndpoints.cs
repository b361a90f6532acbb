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
        // Swagger UI's embedded assets under /docs/ (no CDN); each API version's page (Pages/Catalog/Docs) starts it
        // on that version's document. The default index there points at the admin API's own document.
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "edgeproxy-manager admin API";
            ui.SwaggerEndpoint("/api/admin/openapi.json", "edgeproxy-manager admin API");
        });
    }
}
