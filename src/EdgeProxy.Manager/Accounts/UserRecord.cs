namespace EdgeProxy.Manager.Accounts;

/// <summary>A row of <c>users</c>.</summary>
public sealed class UserRecord
{
    public long Id { get; set; }

    public string Email { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string PasswordHash { get; set; } = "";

    public string Role { get; set; } = Roles.Developer;

    public long FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Actor AsActor() => new(Id, Email, Role);

    /// <summary>What the audit log and the admin API show of a user: never the password hash.</summary>
    public object Public() => new { Id, Email, DisplayName, Role, LockedUntil };
}
