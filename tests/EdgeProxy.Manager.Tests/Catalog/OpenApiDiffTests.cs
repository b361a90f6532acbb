using System.Net;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Tests.Infrastructure;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.OpenApi.YamlReader;

namespace EdgeProxy.Manager.Tests.Catalog;

public sealed class OpenApiDiffTests
{
    // v1: OpenAPI 3.0 in YAML.
    private const string V1 = """
        openapi: 3.0.3
        info: { title: Orders, version: "1" }
        paths:
          /orders:
            get:
              parameters:
                - { name: limit, in: query, schema: { type: integer } }
                - { name: status, in: query, required: false, schema: { type: string } }
              responses:
                "200": { description: OK }
                "400": { description: Bad query }
            post:
              requestBody:
                required: false
                content: { application/json: { schema: { type: object } } }
              responses:
                "201": { description: Created }
          /orders/{id}:
            get:
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
                - { name: X-Trace, in: header, required: true, schema: { type: string } }
              responses:
                "200": { description: OK }
                "404": { description: Not found }
            put:
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              requestBody:
                content: { application/json: { schema: { type: object } } }
              responses:
                "200": { description: OK }
            delete:
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "204": { description: Deleted }
        """;

    // v2: OpenAPI 3.1 in JSON; the path parameter moves to the path item and is renamed (same route).
    private const string V2 = """
        {
          "openapi": "3.1.0",
          "info": { "title": "Orders", "version": "2" },
          "paths": {
            "/orders": {
              "get": {
                "parameters": [
                  { "name": "status", "in": "query", "required": true, "schema": { "type": "string" } },
                  { "name": "cursor", "in": "query", "schema": { "type": "string" } }
                ],
                "responses": { "200": { "description": "OK" }, "429": { "description": "Slow down" } }
              },
              "post": {
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
                "responses": { "201": { "description": "Created" } }
              }
            },
            "/orders/{id}": {
              "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
              "get": {
                "parameters": [
                  { "name": "X-Trace", "in": "header", "required": false, "schema": { "type": "string" } },
                  { "name": "X-Tenant", "in": "header", "required": true, "schema": { "type": "string" } }
                ],
                "responses": { "200": { "description": "OK" }, "404": { "description": "Not found" } }
              },
              "put": { "responses": { "200": { "description": "OK" } } }
            },
            "/orders/{id}/cancel": {
              "post": {
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "204": { "description": "Cancelled" } }
              }
            }
          }
        }
        """;

    [Fact]
    public void The_diff_between_a_3_0_yaml_and_a_3_1_json_document_lists_every_change_and_flags_the_breaking_ones()
    {
        var changes = OpenApiDiff.Compare(Parse(V1, OpenApiConstants.Yaml), Parse(V2, OpenApiConstants.Json));

        Assert.Equal(
            [
                "GET /orders: optional parameter cursor (in query) added",
                "BREAKING GET /orders: parameter limit (in query) removed",
                "BREAKING GET /orders: parameter status (in query) is now required",
                "BREAKING GET /orders: response 400 removed",
                "GET /orders: response 429 added",
                "BREAKING POST /orders: request body is now required",
                "BREAKING DELETE /orders/{id}: operation removed",
                "BREAKING GET /orders/{id}: required parameter X-Tenant (in header) added",
                "GET /orders/{id}: parameter X-Trace (in header) is now optional",
                "BREAKING PUT /orders/{id}: request body removed",
                "POST /orders/{id}/cancel: operation added",
            ],
            changes.Select(c => c.ToString()));
    }

    [Fact]
    public void The_reverse_diff_flags_the_opposite_changes_and_an_unchanged_document_has_none()
    {
        var v1 = Parse(V1, OpenApiConstants.Yaml);
        var v2 = Parse(V2, OpenApiConstants.Json);

        var changes = OpenApiDiff.Compare(v2, v1);

        Assert.Equal(
            [
                "BREAKING GET /orders: parameter cursor (in query) removed",
                "GET /orders: optional parameter limit (in query) added",
                "GET /orders: parameter status (in query) is now optional",
                "GET /orders: response 400 added",
                "BREAKING GET /orders: response 429 removed",
                "POST /orders: request body is now optional",
                "DELETE /orders/{id}: operation added",
                "BREAKING GET /orders/{id}: parameter X-Tenant (in header) removed",
                "BREAKING GET /orders/{id}: parameter X-Trace (in header) is now required",
                "PUT /orders/{id}: optional request body added",
                "BREAKING POST /orders/{id}/cancel: operation removed",
            ],
            changes.Select(c => c.ToString()));
        Assert.Empty(OpenApiDiff.Compare(v1, Parse(V1, OpenApiConstants.Yaml)));
    }

    [Fact]
    public async Task The_api_page_of_the_sample_config_shows_what_v2_changed_against_v1()
    {
        var config = CopyOfSampleConfig();
        try
        {
            await using var manager = await TestManager.StartAsync(config);
            var page = WebUtility.HtmlDecode(await manager.Client().GetStringAsync("/catalog/orders"));

            Assert.Contains("Orders carry a currency; listing supports ?status=.", page, StringComparison.Ordinal);
            Assert.Contains("<h4 id=\"changes-v2\">Changes since v1</h4>", page, StringComparison.Ordinal);
            Assert.Contains("<li class=\"compatible\"><code>GET /orders</code>: optional parameter status (in query) added</li>", page, StringComparison.Ordinal);
            Assert.DoesNotContain("Changes since v0", page, StringComparison.Ordinal);
            Assert.DoesNotContain("badge-breaking", page, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    private static OpenApiDocument Parse(string text, string format)
    {
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        var result = OpenApiDocument.Parse(text, format, settings);
        Assert.Empty(result.Diagnostic?.Errors ?? []);
        return result.Document!;
    }

    /// <summary>The repository's config/ in a temp folder: the manager writes its consumers file next to it.</summary>
    private static string CopyOfSampleConfig()
    {
        var source = Path.Combine(RepositoryRoot.Path, "config");
        var target = Path.Combine(Path.GetTempPath(), "edgeproxy-sample-config-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return target;
    }
}
