namespace EdgeProxy.Manager.Accounts;

/// <summary>Who makes a change, as the audit log names them.</summary>
public readonly record struct Actor(long? UserId, string Name, string Role)
{
    public static readonly Actor System = new(null, "system", Roles.Admin);

    public bool IsAdmin => Role == Roles.Admin;
}
