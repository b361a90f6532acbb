using System.Globalization;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Microsoft.OpenApi.YamlReader;

namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// Reads an API version's OpenAPI document (3.0 or 3.1, JSON or YAML)
/// with Microsoft.OpenApi. Problems come back with their JSON pointer, so a publisher can find them.
/// </summary>
public sealed class OpenApiDocuments
{
    private readonly ManagerOptions _options;

    public OpenApiDocuments(ManagerOptions options) => _options = options;

    public LoadedDocument Load(CatalogApiVersion version)
    {
        if (string.IsNullOrEmpty(version.OpenApiFile))
        {
            return new LoadedDocument(null, ["this version has no OpenAPI document"]);
        }

        // Resolved by the policy library next to the TOML file that declares it.
        var path = version.OpenApiFile;
        if (!File.Exists(path))
        {
            return new LoadedDocument(null, [$"{version.OpenApiPath}: no such file"]);
        }

        var text = File.ReadAllText(path);
        var format = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenApiConstants.Json : OpenApiConstants.Yaml;
        var settings = new OpenApiReaderSettings();
        settings.AddYamlReader();
        var result = OpenApiDocument.Parse(text, format, settings);
        var errors = new List<string>();
        foreach (var error in result.Diagnostic?.Errors ?? [])
        {
            errors.Add($"{version.OpenApiPath} at {(string.IsNullOrEmpty(error.Pointer) ? "#" : error.Pointer)}: {error.Message}");
        }

        return new LoadedDocument(errors.Count == 0 ? result.Document : null, errors);
    }

    /// <summary>
    /// The document as the interactive docs get it: JSON, its servers replaced by the gateway's URL (so
    /// try-it-out goes through the gateway), and an <c>X-Api-Key</c> header scheme for the developer's key.
    /// </summary>
    public string ForTryItOut(OpenApiDocument document, string header)
    {
        document.Servers = [new OpenApiServer { Url = _options.GatewayUrl, Description = "EdgeProxy gateway" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = header };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] }];
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(writer));
        return writer.ToString();
    }

    public sealed record LoadedDocument(OpenApiDocument? Document, IReadOnlyList<string> Errors);
}
