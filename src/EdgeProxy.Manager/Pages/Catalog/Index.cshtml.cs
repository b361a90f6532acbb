using EdgeProxy.Manager.Catalog;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Catalog;

public sealed class IndexModel : PageModel
{
    private readonly CatalogSearch _search;
    private readonly PolicyTable _table;

    public IndexModel(CatalogSearch search, PolicyTable table)
    {
        _search = search;
        _table = table;
    }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Tag { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Owner { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    public IReadOnlyList<CatalogApi> Results { get; private set; } = [];

    public IReadOnlyList<string> AllTags { get; private set; } = [];

    public IReadOnlyList<string> AllOwners { get; private set; } = [];

    public void OnGet()
    {
        Results = _search.Search(Q, Tag, Owner, State);
        var listed = _table.Current.Apis.Where(a => a.IsListed).ToList();
        AllTags = [.. listed.SelectMany(a => a.Tags).Distinct().Order(StringComparer.Ordinal)];
        AllOwners = [.. listed.Select(a => a.Owner).Where(o => o.Length > 0).Distinct().Order(StringComparer.Ordinal)];
    }
}
