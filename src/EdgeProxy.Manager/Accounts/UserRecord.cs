namespace EdgeProxy.Manager.Accounts;

/// <summary>A row of <c>users</c>.</summary>
public sealed class UserRecord
{
    public long Id { get; set; }

    public string Email { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string PasswordHash { get; set; } = "";

    public string Role { get; set; } = Roles.Developer;

    /// <summary>The owner team a publisher manages (matches <c>owner</c> of <c>[[apis]]</c>); empty for none.</summary>
    public string Team { get; set; } = "";

    public long FailedSignIns { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Actor AsActor() => new(Id, Email, Role, Team);

    /// <summary>What the audit log and the admin API show of a user: never the password hash.</summary>
    public object Public() => new { Id, Email, DisplayName, Role, Team, LockedUntil };
}
