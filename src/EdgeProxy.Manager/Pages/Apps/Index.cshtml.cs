using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Apps;

public sealed class IndexModel : PageModel
{
    private readonly SelfService _service;

    public IndexModel(SelfService service) => _service = service;

    public IReadOnlyList<AppRecord> List { get; private set; } = [];

    public string? Error { get; private set; }

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string? Description { get; set; }

    public void OnGet() => List = _service.Apps(User.ToActor());

    public IActionResult OnPost()
    {
        try
        {
            var app = _service.CreateApp(User.ToActor(), Name, Description ?? "");
            return Redirect($"/apps/{app.Id}");
        }
        catch (SelfServiceException e)
        {
            Error = e.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            OnGet();
            return Page();
        }
    }
}
