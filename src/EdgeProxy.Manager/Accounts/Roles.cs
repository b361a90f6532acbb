namespace EdgeProxy.Manager.Accounts;

public static class Roles
{
    /// <summary>Everything, including approvals, roles and the audit log.</summary>
    public const string Admin = "admin";

    /// <summary>Manages their team's APIs (and is a developer too).</summary>
    public const string Publisher = "publisher";

    /// <summary>The portal only: own apps, subscriptions and keys.</summary>
    public const string Developer = "developer";

    public static readonly string[] All = [Admin, Publisher, Developer];

    public static bool IsKnown(string role) => Array.IndexOf(All, role) >= 0;
}
