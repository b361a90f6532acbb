using System.Net.Mail;
using Dapper;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Data;
using Microsoft.AspNetCore.Identity;

namespace EdgeProxy.Manager.Accounts;

/// <summary>
/// Local accounts: sign-up, sign-in with lockout, roles. Passwords are hashed by ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (PBKDF2, salted, versioned), never by hand.
/// </summary>
public sealed class AccountService
{
    public const int MaxFailedSignIns = 5;
    public const int MinPasswordLength = 10;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    private const string UserColumns = "id, email, display_name AS DisplayName, password_hash AS PasswordHash, role, team, failed_sign_ins AS FailedSignIns, locked_until AS LockedUntil, created_at AS CreatedAt";

    private readonly ManagerDatabase _database;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly PasswordHasher<UserRecord> _hasher = new();

    public AccountService(ManagerDatabase database, AuditLog audit, TimeProvider time)
    {
        _database = database;
        _audit = audit;
        _time = time;
    }

    /// <summary>Creates an account; the error is for the person at the form (null when created).</summary>
    public (UserRecord? User, string? Error) SignUp(string email, string displayName, string password, string role, Actor? actor = null)
    {
        email = email.Trim();
        displayName = displayName.Trim();
        if (!IsEmail(email))
        {
            return (null, "Enter a valid email address.");
        }

        if (displayName.Length is 0 or > 100)
        {
            return (null, "Enter a name of 1 to 100 characters.");
        }

        if (password.Length < MinPasswordLength)
        {
            return (null, $"Use a password of at least {MinPasswordLength} characters.");
        }

        var user = new UserRecord { Email = email, DisplayName = displayName, Role = role, CreatedAt = _time.GetUtcNow() };
        user.PasswordHash = _hasher.HashPassword(user, password);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM users WHERE email = @email", new { email }, transaction) > 0)
        {
            return (null, "An account with this email exists already; sign in instead.");
        }

        user.Id = connection.ExecuteScalar<long>(
            "INSERT INTO users (email, display_name, password_hash, role, created_at) VALUES (@Email, @DisplayName, @PasswordHash, @Role, @CreatedAt) RETURNING id",
            user,
            transaction);
        _audit.Append(connection, transaction, actor ?? user.AsActor(), "user.create", "user", user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), null, user.Public());
        transaction.Commit();
        return (user, null);
    }

    /// <summary>
    /// Checks the password. A locked account is refused without looking at the password, so guessing during
    /// the lockout learns nothing; the fifth failure in a row locks for <see cref="LockoutDuration"/>.
    /// </summary>
    public SignInResult SignIn(string email, string password)
    {
        using var connection = _database.Open();
        var user = connection.QuerySingleOrDefault<UserRecord>($"SELECT {UserColumns} FROM users WHERE email = @email", new { email = email.Trim() });
        var now = _time.GetUtcNow();
        if (user is null)
        {
            // Same work as a wrong password, so response time does not tell which emails have accounts.
            _hasher.VerifyHashedPassword(new UserRecord(), DummyHash.Value, password);
            return new SignInResult(SignInOutcome.Invalid, null);
        }

        if (user.LockedUntil is { } until && until > now)
        {
            return new SignInResult(SignInOutcome.LockedOut, null);
        }

        var verdict = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            var failures = user.FailedSignIns + 1;
            if (failures >= MaxFailedSignIns)
            {
                connection.Execute("UPDATE users SET failed_sign_ins = 0, locked_until = @until WHERE id = @Id", new { until = now + LockoutDuration, user.Id });
                return new SignInResult(SignInOutcome.LockedOut, null);
            }

            connection.Execute("UPDATE users SET failed_sign_ins = @failures WHERE id = @Id", new { failures, user.Id });
            return new SignInResult(SignInOutcome.Invalid, null);
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = _hasher.HashPassword(user, password);
        }

        connection.Execute("UPDATE users SET failed_sign_ins = 0, locked_until = NULL, password_hash = @PasswordHash WHERE id = @Id", user);
        return new SignInResult(SignInOutcome.Success, user);
    }

    /// <summary>Changes the password after checking the current one; the error is for the person at the form.</summary>
    public string? ChangePassword(Actor actor, string current, string replacement)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var user = connection.QuerySingleOrDefault<UserRecord>($"SELECT {UserColumns} FROM users WHERE id = @UserId", new { actor.UserId }, transaction);
        if (user is null || _hasher.VerifyHashedPassword(user, user.PasswordHash, current) == PasswordVerificationResult.Failed)
        {
            return "The current password is wrong.";
        }

        if (replacement.Length < MinPasswordLength)
        {
            return $"Use a password of at least {MinPasswordLength} characters.";
        }

        connection.Execute("UPDATE users SET password_hash = @hash WHERE id = @Id", new { hash = _hasher.HashPassword(user, replacement), user.Id }, transaction);
        _audit.Append(connection, transaction, actor, "user.password", "user", user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), null, new { changed = "password" });
        transaction.Commit();
        return null;
    }

    public UserRecord? Find(long id)
    {
        using var connection = _database.Open();
        return connection.QuerySingleOrDefault<UserRecord>($"SELECT {UserColumns} FROM users WHERE id = @id", new { id });
    }

    public IReadOnlyList<UserRecord> List()
    {
        using var connection = _database.Open();
        return [.. connection.Query<UserRecord>($"SELECT {UserColumns} FROM users ORDER BY id")];
    }

    public bool AnyAdmin()
    {
        using var connection = _database.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM users WHERE role = 'admin'") > 0;
    }

    /// <summary>Changes a user's role (admins only; the caller checks). Null when there is no such user.</summary>
    public UserRecord? SetRole(long userId, string role, Actor actor)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var before = connection.QuerySingleOrDefault<UserRecord>($"SELECT {UserColumns} FROM users WHERE id = @userId", new { userId }, transaction);
        if (before is null)
        {
            return null;
        }

        connection.Execute("UPDATE users SET role = @role WHERE id = @userId", new { role, userId }, transaction);
        var after = connection.QuerySingle<UserRecord>($"SELECT {UserColumns} FROM users WHERE id = @userId", new { userId }, transaction);
        _audit.Append(connection, transaction, actor, "user.role", "user", userId.ToString(System.Globalization.CultureInfo.InvariantCulture), before.Public(), after.Public());
        transaction.Commit();
        return after;
    }

    /// <summary>Sets the team a publisher manages (admins only; the caller checks). Null when there is no such user.</summary>
    public UserRecord? SetTeam(long userId, string team, Actor actor)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var before = connection.QuerySingleOrDefault<UserRecord>($"SELECT {UserColumns} FROM users WHERE id = @userId", new { userId }, transaction);
        if (before is null)
        {
            return null;
        }

        connection.Execute("UPDATE users SET team = @team WHERE id = @userId", new { team = team.Trim(), userId }, transaction);
        var after = connection.QuerySingle<UserRecord>($"SELECT {UserColumns} FROM users WHERE id = @userId", new { userId }, transaction);
        _audit.Append(connection, transaction, actor, "user.team", "user", userId.ToString(System.Globalization.CultureInfo.InvariantCulture), before.Public(), after.Public());
        transaction.Commit();
        return after;
    }

    private static bool IsEmail(string email) =>
        email.Length <= 254 && MailAddress.TryCreate(email, out var parsed) && parsed.Address == email && email.Contains('.', StringComparison.Ordinal);

    private static class DummyHash
    {
        public static readonly string Value = new PasswordHasher<UserRecord>().HashPassword(new UserRecord(), "not a password of anyone");
    }
}
