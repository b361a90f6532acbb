using System.Globalization;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.OpenApi;

namespace EdgeProxy.Manager.Admin;

/// <summary>
/// The admin API's OpenAPI 3.1 document, built from the mapped <c>/api/admin</c> endpoints themselves (route,
/// methods, summary), so it cannot drift from the code. Built with Microsoft.OpenApi 3.x, the same model the
/// catalog reads documents with (Microsoft.AspNetCore.OpenApi 10 is pinned to Microsoft.OpenApi 2.x, which cannot
/// sit beside 3.x in one process).
/// </summary>
public static class AdminOpenApiDocument
{
    public static string Build(EndpointDataSource endpoints)
    {
        var document = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = "edgeproxy-manager admin API",
                Version = "1",
                Description = "Everything the admin and team pages do. Sign in with POST /api/session (JSON) first; /api/admin/* needs the admin role, /api/team/* the publisher role (scoped to the publisher's team) or admin (401 without a session, 403 otherwise).",
            },
            Paths = [],
        };
        foreach (var endpoint in endpoints.Endpoints)
        {
            if (endpoint is not RouteEndpoint route || route.RoutePattern.RawText is not { } raw || !(raw.StartsWith("/api/admin/", StringComparison.Ordinal) || raw.StartsWith("/api/team/", StringComparison.Ordinal)) || raw.EndsWith("openapi.json", StringComparison.Ordinal))
            {
                continue;
            }

            var path = PathOf(route.RoutePattern);
            if (!document.Paths.TryGetValue(path, out var item))
            {
                item = new OpenApiPathItem();
                document.Paths.Add(path, item);
            }

            var pathItem = (OpenApiPathItem)item;
            pathItem.Operations ??= [];
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var operation = new OpenApiOperation
                {
                    Summary = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IEndpointSummaryMetadata>()?.Summary,
                    Tags = new HashSet<OpenApiTagReference> { new(raw.StartsWith("/api/team/", StringComparison.Ordinal) ? "team" : "admin", document) },
                    Parameters = [],
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse { Description = "OK (JSON)" },
                        ["401"] = new OpenApiResponse { Description = "Not signed in" },
                        ["403"] = new OpenApiResponse { Description = "Signed in without the admin role" },
                    },
                };
                foreach (var parameter in route.RoutePattern.Parameters)
                {
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = parameter.Name,
                        In = ParameterLocation.Path,
                        Required = true,
                        Schema = new OpenApiSchema { Type = parameter.ParameterPolicies.Any(p => p.Content == "long") ? JsonSchemaType.Integer : JsonSchemaType.String },
                    });
                }

                if (method is "PUT" && path.EndsWith("/role", StringComparison.Ordinal))
                {
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = true,
                        Content = new Dictionary<string, IOpenApiMediaType>
                        {
                            ["application/json"] = new OpenApiMediaType
                            {
                                Schema = new OpenApiSchema
                                {
                                    Type = JsonSchemaType.Object,
                                    Properties = new Dictionary<string, IOpenApiSchema> { ["role"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. Accounts.Roles.All.Select(r => (System.Text.Json.Nodes.JsonNode)r!)] } },
                                },
                            },
                        },
                    };
                }

                pathItem.Operations[new HttpMethod(method)] = operation;
            }
        }

        document.Tags = new HashSet<OpenApiTag> { new() { Name = "admin" }, new() { Name = "team" } };
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(writer));
        return writer.ToString();
    }

    private static string PathOf(RoutePattern pattern)
    {
        var parts = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            var text = "";
            foreach (var part in segment.Parts)
            {
                text += part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                    _ => "",
                };
            }

            parts.Add(text);
        }

        return "/" + string.Join('/', parts);
    }
}
