using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace EdgeProxy.Manager.Accounts;

/// <summary>
/// JSON sign-up and sign-in for scripts and CI (the pages have their own forms). These take JSON bodies only,
/// so a cross-site HTML form cannot post to them (it cannot send <c>application/json</c> without CORS).
/// </summary>
public static class AccountEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/signup", (SignUpRequest request, AccountService accounts) =>
        {
            var (user, error) = accounts.SignUp(request.Email, request.Name, request.Password, Roles.Developer);
            return user is null ? Results.Problem(error, statusCode: StatusCodes.Status400BadRequest) : Results.Created($"/api/me", user.Public());
        }).DisableAntiforgery();

        app.MapPost("/api/session", async (SignInRequest request, AccountService accounts, HttpContext context) =>
        {
            var result = accounts.SignIn(request.Email, request.Password);
            switch (result.Outcome)
            {
                case SignInOutcome.Success:
                    await SessionCookie.SignInAsync(context, result.User!);
                    return Results.Ok(result.User!.Public());
                case SignInOutcome.LockedOut:
                    return Results.Problem("Too many failed sign-ins: the account is locked for 15 minutes.", statusCode: StatusCodes.Status423Locked);
                default:
                    return Results.Problem("Wrong email or password.", statusCode: StatusCodes.Status401Unauthorized);
            }
        }).DisableAntiforgery();

        app.MapDelete("/api/session", async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).DisableAntiforgery();

        app.MapGet("/api/me", (HttpContext context, AccountService accounts) =>
            accounts.Find(context.User.ToActor().UserId ?? 0)?.Public() is { } me ? Results.Ok(me) : Results.NotFound()).RequireAuthorization();
    }

    public sealed record SignUpRequest(string Email, string Name, string Password);

    public sealed record SignInRequest(string Email, string Password);
}
