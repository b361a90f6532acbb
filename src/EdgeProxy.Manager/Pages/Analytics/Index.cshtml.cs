using EdgeProxy.Manager.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Analytics;

/// <summary>
/// The analytics dashboard (admins and publishers). The page is a frame: the script fetches the JSON query API
/// (/api/analytics/*) for the range and filters in the query string, so every view is a shareable URL.
/// </summary>
[Authorize(Roles = Roles.Admin + "," + Roles.Publisher)]
public sealed class IndexModel : PageModel
{
    public static readonly (string Value, string Label)[] Ranges =
        [("900", "Last 15 minutes"), ("3600", "Last hour"), ("21600", "Last 6 hours"), ("86400", "Last 24 hours"), ("604800", "Last 7 days"), ("2592000", "Last 30 days")];

    [BindProperty(SupportsGet = true)]
    public string Range { get; set; } = "3600";

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Api { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Consumer { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Route { get; set; }

    public void OnGet()
    {
    }
}
