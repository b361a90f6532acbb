using EdgeProxy.Manager.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages;

public sealed class ProfileModel : PageModel
{
    private readonly AccountService _accounts;

    public ProfileModel(AccountService accounts) => _accounts = accounts;

    public UserRecord Me { get; private set; } = null!;

    public string? Message { get; private set; }

    public bool Failed { get; private set; }

    [BindProperty]
    public string Current { get; set; } = "";

    [BindProperty]
    public string Replacement { get; set; } = "";

    public IActionResult OnGet() => Load() ? Page() : Forbid();

    public IActionResult OnPost()
    {
        if (!Load())
        {
            return Forbid();
        }

        var error = _accounts.ChangePassword(User.ToActor(), Current, Replacement);
        Failed = error is not null;
        Message = error ?? "Password changed.";
        if (Failed)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }

    private bool Load()
    {
        var me = _accounts.Find(User.ToActor().UserId ?? 0);
        if (me is null)
        {
            return false;
        }

        Me = me;
        return true;
    }
}
