using System.Net;
using System.Text.Json;
using EdgeProxy.Manager.Tests.Infrastructure;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace EdgeProxy.Manager.Tests.Catalog;

public sealed class CatalogTests
{
    [Fact]
    public async Task The_catalog_lists_published_and_deprecated_apis_with_their_details_but_not_drafts()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var page = await manager.Client().GetStringAsync("/catalog");

        Assert.Contains("Orders API", page, StringComparison.Ordinal);
        Assert.Contains("Create, track and cancel customer orders.", page, StringComparison.Ordinal);
        Assert.Contains("team-commerce", page, StringComparison.Ordinal);
        Assert.Contains("Versions: v1, v2", page, StringComparison.Ordinal);
        Assert.Contains("badge-published", page, StringComparison.Ordinal);
        Assert.Contains("Billing API", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Labs API", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await manager.Client().GetAsync("/catalog/labs")).StatusCode);
    }

    [Fact]
    public async Task Search_ranks_by_relevance_and_filters_by_tag_owner_and_state()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = manager.Client();

        // "orders" is in the Orders API's title, tags and summary, and only in the Billing API's summary.
        Assert.Equal(["orders", "billing"], await Ids(client, "/api/catalog?q=orders"));
        Assert.Equal(["billing"], await Ids(client, "/api/catalog?q=invoices payments"));
        Assert.Equal(["orders"], await Ids(client, "/api/catalog?q=cancel"));
        Assert.Equal(["orders"], await Ids(client, "/api/catalog?q=pagination"));  // a version's changelog
        Assert.Equal(["orders"], await Ids(client, "/api/catalog?q=canc"));        // prefix
        Assert.Empty(await Ids(client, "/api/catalog?q=experiments"));             // draft-only API is not indexed
        Assert.Empty(await Ids(client, "/api/catalog?q=%22 NEAR( xyz*"));          // FTS5 syntax is read as text, not an error
        Assert.Equal(["billing"], await Ids(client, "/api/catalog?q=orders&owner=team-finance"));
        Assert.Equal(["billing"], await Ids(client, "/api/catalog?tag=finance"));
        Assert.Equal(["orders"], await Ids(client, "/api/catalog?state=deprecated"));

        var page = await client.GetStringAsync("/catalog?q=orders&tag=commerce");
        Assert.Contains("Orders API", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Billing API", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_page_shows_versions_lifecycle_changelog_and_code_samples_in_five_languages()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory, gatewayUrl: "http://127.0.0.1:18080");
        var page = WebUtility.HtmlDecode(await manager.Client().GetStringAsync("/catalog/orders"));

        Assert.Contains("Deprecated since 2026-06-01, sunset 2027-01-01; use v2.", page, StringComparison.Ordinal);
        Assert.Contains("Pagination on list; cancel is a POST.", page, StringComparison.Ordinal);
        Assert.Contains("/v2/orders/{id}/cancel", page, StringComparison.Ordinal);
        Assert.Contains("curl -X GET 'http://127.0.0.1:18080/v2/orders'", page, StringComparison.Ordinal);
        Assert.Contains("-H 'X-Api-Key: $EDGEPROXY_KEY'", page, StringComparison.Ordinal);
        Assert.Contains("HttpMethod.Get, \"http://127.0.0.1:18080/v2/orders\"", page, StringComparison.Ordinal);
        Assert.Contains("requests.request(\"GET\", \"http://127.0.0.1:18080/v2/orders\"", page, StringComparison.Ordinal);
        Assert.Contains("await fetch(\"http://127.0.0.1:18080/v2/orders\"", page, StringComparison.Ordinal);
        Assert.Contains("http.NewRequest(\"GET\", \"http://127.0.0.1:18080/v2/orders\", nil)", page, StringComparison.Ordinal);
        Assert.Contains("/catalog/orders/v2/docs", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_openapi_document_is_shown_with_the_location_of_its_errors()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        var client = manager.Client();
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/catalog/billing"));

        Assert.Contains("The OpenAPI document has problems", page, StringComparison.Ordinal);
        Assert.Contains("openapi/billing-broken.yaml at #/paths/~1billing~1invoices/get/responses", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.GetAsync("/catalog/billing/v1/openapi.json")).StatusCode);
    }

    [Fact]
    public async Task Interactive_docs_get_the_document_pointed_at_the_gateway_with_the_api_key_header_and_swagger_ui_is_served_locally()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory, gatewayUrl: "http://127.0.0.1:18080");
        var client = manager.Client();
        var json = await client.GetStringAsync("/catalog/orders/v2/openapi.json");

        var document = OpenApiDocument.Parse(json, OpenApiConstants.Json, new OpenApiReaderSettings()).Document!;
        Assert.Equal("http://127.0.0.1:18080", Assert.Single(document.Servers!).Url);
        var scheme = document.Components!.SecuritySchemes!["apiKey"];
        Assert.Equal(SecuritySchemeType.ApiKey, scheme.Type);
        Assert.Equal(ParameterLocation.Header, scheme.In);
        Assert.Equal("X-Api-Key", scheme.Name);
        Assert.Contains("/v2/orders", document.Paths.Keys);

        var yaml = await client.GetStringAsync("/catalog/orders/v1/openapi.json");
        Assert.Contains("List orders", yaml, StringComparison.Ordinal);

        var docs = await client.GetStringAsync("/catalog/orders/v2/docs");
        Assert.Contains("url: \"/catalog/orders/v2/openapi.json\"", docs, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", docs, StringComparison.Ordinal); // no CDN
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/catalog/labs/v0/docs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/docs/swagger-ui-bundle.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/css/portal.css")).StatusCode);
    }

    private static async Task<string[]> Ids(HttpClient client, string url)
    {
        var results = JsonSerializer.Deserialize<JsonElement>(await client.GetStringAsync(url));
        return [.. results.EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
    }
}
