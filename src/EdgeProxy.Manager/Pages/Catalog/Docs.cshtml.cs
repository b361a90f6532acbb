using EdgeProxy.Manager.Catalog;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Catalog;

/// <summary>Interactive docs of one API version: Swagger UI over the document the manager rewrites for the gateway.</summary>
public sealed class DocsModel : PageModel
{
    private readonly PolicyTable _table;

    public DocsModel(PolicyTable table) => _table = table;

    public string ApiId { get; private set; } = "";

    public string Title { get; private set; } = "";

    public string Version { get; private set; } = "";

    public string DocumentUrl => $"/catalog/{Uri.EscapeDataString(ApiId)}/{Uri.EscapeDataString(Version)}/openapi.json";

    public IActionResult OnGet(string apiId, string version)
    {
        if (_table.Current.FindApi(apiId) is not { IsListed: true } api || !api.Versions.Any(v => v.Version == version && v.State is "published" or "deprecated"))
        {
            return NotFound();
        }

        ApiId = api.Id;
        Title = api.Title;
        Version = version;
        return Page();
    }
}
