using EdgeProxy.Manager.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages;

/// <summary>First start: the one-time token from the log creates the first admin, then stops working.</summary>
public sealed class SetupModel : PageModel
{
    private readonly AccountService _accounts;
    private readonly BootstrapToken _token;

    public SetupModel(AccountService accounts, BootstrapToken token)
    {
        _accounts = accounts;
        _token = token;
    }

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    public bool TokenValid { get; private set; }

    public string? Error { get; private set; }

    public IActionResult OnGet()
    {
        TokenValid = _token.IsValid(Token);
        Response.StatusCode = TokenValid ? 200 : StatusCodes.Status403Forbidden;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        TokenValid = _token.IsValid(Token);
        if (!TokenValid)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        var (user, error) = _accounts.SignUp(Email, Name, Password, Roles.Admin, Actor.System);
        if (user is null)
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        _token.Burn();
        await SessionCookie.SignInAsync(HttpContext, user);
        return LocalRedirect("/admin/users");
    }
}
