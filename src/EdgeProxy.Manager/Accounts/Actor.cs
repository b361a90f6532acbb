namespace EdgeProxy.Manager.Accounts;

/// <summary>Who makes a change, as the audit log names them; <see cref="Team"/> scopes what a publisher may manage.</summary>
public readonly record struct Actor(long? UserId, string Name, string Role, string Team = "")
{
    public static readonly Actor System = new(null, "system", Roles.Admin);

    public bool IsAdmin => Role == Roles.Admin;

    /// <summary>Whether the actor governs an API owned by <paramref name="owner"/>: admins all, publishers their team's.</summary>
    public bool Governs(string owner) => IsAdmin || (Role == Roles.Publisher && Team.Length > 0 && Team == owner);
}
