using EdgeProxy.Manager.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages;

public sealed class SignUpModel : PageModel
{
    private readonly AccountService _accounts;

    public SignUpModel(AccountService accounts) => _accounts = accounts;

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    public string? Error { get; private set; }

    public async Task<IActionResult> OnPostAsync()
    {
        var (user, error) = _accounts.SignUp(Email, Name, Password, Roles.Developer);
        if (user is null)
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await SessionCookie.SignInAsync(HttpContext, user);
        return LocalRedirect("/catalog");
    }
}
