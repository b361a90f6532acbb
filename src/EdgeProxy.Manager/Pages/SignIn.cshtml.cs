using EdgeProxy.Manager.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages;

public sealed class SignInModel : PageModel
{
    private readonly AccountService _accounts;

    public SignInModel(AccountService accounts) => _accounts = accounts;

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync()
    {
        var result = _accounts.SignIn(Email, Password);
        switch (result.Outcome)
        {
            case SignInOutcome.Success:
                await SessionCookie.SignInAsync(HttpContext, result.User!);
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/apps");
            case SignInOutcome.LockedOut:
                Error = "Too many failed sign-ins: the account is locked for 15 minutes.";
                Response.StatusCode = StatusCodes.Status423Locked;
                return Page();
            default:
                Error = "Wrong email or password.";
                Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Page();
        }
    }
}
