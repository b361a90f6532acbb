using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace EdgeProxy.Manager.Accounts;

/// <summary>The signed-in session: an encrypted, HttpOnly, SameSite=Lax cookie holding the user's id and role.</summary>
public static class SessionCookie
{
    public const string TeamClaim = "edgeproxy:team";

    public static Task SignInAsync(HttpContext context, UserRecord user)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, user.Email),
                new Claim(ClaimTypes.GivenName, user.DisplayName),
                new Claim(ClaimTypes.Role, user.Role),
                new Claim(TeamClaim, user.Team),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        return context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    }

    public static Actor ToActor(this ClaimsPrincipal user) =>
        new(
            long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("not signed in"), CultureInfo.InvariantCulture),
            user.FindFirstValue(ClaimTypes.Name) ?? "",
            user.FindFirstValue(ClaimTypes.Role) ?? Roles.Developer,
            user.FindFirstValue(TeamClaim) ?? "");
}
