using EdgeProxy.Manager.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Admin;

public sealed class UsersModel : PageModel
{
    private readonly AccountService _accounts;

    public UsersModel(AccountService accounts) => _accounts = accounts;

    public IReadOnlyList<UserRecord> List { get; private set; } = [];

    [BindProperty]
    public long UserId { get; set; }

    [BindProperty]
    public string Role { get; set; } = "";

    [BindProperty]
    public string Team { get; set; } = "";

    public IActionResult OnPostTeam()
    {
        _accounts.SetTeam(UserId, Team, User.ToActor());
        return Redirect("/admin/users");
    }

    public void OnGet() => List = _accounts.List();

    public IActionResult OnPost()
    {
        if (!Roles.IsKnown(Role))
        {
            return BadRequest();
        }

        _accounts.SetRole(UserId, Role, User.ToActor());
        return Redirect("/admin/users");
    }
}
