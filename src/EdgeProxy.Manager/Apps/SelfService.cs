using System.Globalization;
using Dapper;
using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.PolicyWriter;
using EdgeProxy.Policy.Keys;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Apps;

/// <summary>
/// Apps, subscriptions and keys. Every change runs in one transaction with its audit record and the rewrite of
/// the gateway's consumer file: if the gateway would refuse the file, nothing of the change is kept.
/// Callers may act on their own apps; admins on any.
/// </summary>
public sealed class SelfService
{
    public const string AppColumns = "id, owner_id AS OwnerId, name, description, created_at AS CreatedAt";
    public const string SubscriptionColumns = "id, app_id AS AppId, api_id AS ApiId, plan_id AS PlanId, state, created_at AS CreatedAt, decided_by AS DecidedBy, decided_at AS DecidedAt";
    public const string KeyColumns = "id, subscription_id AS SubscriptionId, key_id AS KeyId, key_sha256 AS KeySha256, created_at AS CreatedAt, expires_at AS ExpiresAt, revoked";

    public static readonly TimeSpan DefaultRotationGrace = TimeSpan.FromHours(24);

    private readonly ManagerDatabase _database;
    private readonly AuditLog _audit;
    private readonly PolicySync _sync;
    private readonly PolicyTable _table;
    private readonly TimeProvider _time;

    public SelfService(ManagerDatabase database, AuditLog audit, PolicySync sync, PolicyTable table, TimeProvider time)
    {
        _database = database;
        _audit = audit;
        _sync = sync;
        _table = table;
        _time = time;
    }

    public AppRecord CreateApp(Actor actor, string name, string description)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            throw new SelfServiceException("Enter an app name of 1 to 100 characters.");
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var app = new AppRecord { OwnerId = actor.UserId ?? 0, Name = name, Description = description.Trim(), CreatedAt = _time.GetUtcNow() };
        app.Id = connection.ExecuteScalar<long>(
            "INSERT INTO apps (owner_id, name, description, created_at) VALUES (@OwnerId, @Name, @Description, @CreatedAt) RETURNING id", app, transaction);
        _audit.Append(connection, transaction, actor, "app.create", "app", Id(app.Id), null, app);
        transaction.Commit();
        return app;
    }

    public IReadOnlyList<AppRecord> Apps(Actor actor)
    {
        using var connection = _database.Open();
        return [.. connection.Query<AppRecord>($"SELECT {AppColumns} FROM apps WHERE owner_id = @UserId ORDER BY id", new { actor.UserId })];
    }

    /// <summary>The app with its subscriptions and keys, or null when it does not exist or is not the actor's.</summary>
    public AppView? App(Actor actor, long appId)
    {
        using var connection = _database.Open();
        var app = connection.QuerySingleOrDefault<AppRecord>($"SELECT {AppColumns} FROM apps WHERE id = @appId", new { appId });
        if (app is null || !MayUse(actor, app))
        {
            return null;
        }

        var subscriptions = connection.Query<SubscriptionRecord>($"SELECT {SubscriptionColumns} FROM subscriptions WHERE app_id = @appId ORDER BY id", new { appId }).ToList();
        var keys = connection.Query<KeyRecord>(
            $"SELECT {KeyColumns} FROM api_keys WHERE subscription_id IN (SELECT id FROM subscriptions WHERE app_id = @appId) ORDER BY id", new { appId }).ToList();
        return new AppView(app, subscriptions, keys);
    }

    /// <summary>One subscription, or null when it does not exist or its app is not the actor's.</summary>
    public SubscriptionRecord? Subscription(Actor actor, long subscriptionId)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: true);
        try
        {
            return OwnSubscription(actor, connection, transaction, subscriptionId);
        }
        catch (SelfServiceException)
        {
            return null;
        }
    }

    /// <summary>Subscribes an app to an API on a plan: active at once, or pending when the plan wants approval.</summary>
    public SubscriptionRecord Subscribe(Actor actor, long appId, string apiId, string planId)
    {
        var table = _table.Current;
        var api = table.FindApi(apiId);
        if (api is null || !api.IsListed)
        {
            throw new SelfServiceException($"There is no published API '{apiId}'.");
        }

        var plan = table.FindPlan(planId) ?? throw new SelfServiceException($"There is no plan '{planId}'.");
        return Change((connection, transaction) =>
        {
            var app = OwnApp(actor, connection, transaction, appId);
            var existing = connection.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM subscriptions WHERE app_id = @appId AND api_id = @apiId AND state IN ('pending', 'active')", new { appId = app.Id, apiId }, transaction);
            if (existing > 0)
            {
                throw new SelfServiceException($"The app is subscribed to '{apiId}' already.");
            }

            var subscription = new SubscriptionRecord
            {
                AppId = app.Id,
                ApiId = apiId,
                PlanId = plan.Id,
                State = plan.Approval ? "pending" : "active",
                CreatedAt = _time.GetUtcNow(),
            };
            subscription.Id = connection.ExecuteScalar<long>(
                "INSERT INTO subscriptions (app_id, api_id, plan_id, state, created_at) VALUES (@AppId, @ApiId, @PlanId, @State, @CreatedAt) RETURNING id",
                subscription,
                transaction);
            _audit.Append(connection, transaction, actor, "subscription.create", "subscription", Id(subscription.Id), null, subscription);
            return subscription;
        });
    }

    /// <summary>A decision on a pending subscription, by an admin or a publisher of the API's owner team.</summary>
    public SubscriptionRecord Decide(Actor actor, long subscriptionId, bool approve)
    {
        var owners = ApiOwners();
        return Change((connection, transaction) =>
        {
            var before = connection.QuerySingleOrDefault<SubscriptionRecord>(
                $"SELECT {SubscriptionColumns} FROM subscriptions WHERE id = @subscriptionId", new { subscriptionId }, transaction)
                ?? throw new SelfServiceException("There is no such subscription.", notFound: true);
            if (!actor.Governs(owners.GetValueOrDefault(before.ApiId, "")))
            {
                throw new SelfServiceException("Only admins and publishers of the API's owner team decide on its subscriptions.", forbidden: true);
            }

            if (before.State != "pending")
            {
                throw new SelfServiceException($"The subscription is {before.State}, not pending.");
            }

            connection.Execute(
                "UPDATE subscriptions SET state = @state, decided_by = @UserId, decided_at = @now WHERE id = @subscriptionId",
                new { state = approve ? "active" : "rejected", actor.UserId, now = _time.GetUtcNow(), subscriptionId },
                transaction);
            var after = connection.QuerySingle<SubscriptionRecord>($"SELECT {SubscriptionColumns} FROM subscriptions WHERE id = @subscriptionId", new { subscriptionId }, transaction);
            _audit.Append(connection, transaction, actor, approve ? "subscription.approve" : "subscription.reject", "subscription", Id(subscriptionId), before, after);
            return after;
        });
    }

    /// <summary>Subscriptions (optionally in one state) to the APIs the actor governs: all for admins.</summary>
    public IReadOnlyList<SubscriptionRecord> Subscriptions(Actor actor, string? state)
    {
        var owners = ApiOwners();
        using var connection = _database.Open();
        return [.. connection.Query<SubscriptionRecord>(
            $"SELECT {SubscriptionColumns} FROM subscriptions WHERE @state IS NULL OR state = @state ORDER BY id", new { state })
            .Where(s => actor.Governs(owners.GetValueOrDefault(s.ApiId, "")))];
    }

    private Dictionary<string, string> ApiOwners() => _table.Current.Apis.ToDictionary(a => a.Id, a => a.Owner);

    /// <summary>A new key for an active subscription; <see cref="GeneratedApiKey.Key"/> is the only copy of the key.</summary>
    public GeneratedApiKey CreateKey(Actor actor, long subscriptionId) =>
        Change((connection, transaction) =>
        {
            var subscription = OwnSubscription(actor, connection, transaction, subscriptionId);
            if (subscription.State != "active")
            {
                throw new SelfServiceException($"The subscription is {subscription.State}: keys are issued for active subscriptions only.");
            }

            return Issue(actor, connection, transaction, subscription, "key.create", null);
        });

    /// <summary>A new key; the old one keeps working for <paramref name="grace"/>, then the gateway refuses it as expired.</summary>
    public GeneratedApiKey RotateKey(Actor actor, string keyId, TimeSpan grace) =>
        Change((connection, transaction) =>
        {
            var old = FindKey(connection, transaction, keyId);
            var subscription = OwnSubscription(actor, connection, transaction, old.SubscriptionId);
            if (old.Revoked)
            {
                throw new SelfServiceException("A revoked key cannot be rotated; create a new key instead.");
            }

            var expires = _time.GetUtcNow() + grace;
            if (old.ExpiresAt is null || old.ExpiresAt > expires)
            {
                connection.Execute("UPDATE api_keys SET expires_at = @expires WHERE id = @Id", new { expires, old.Id }, transaction);
            }

            var retired = FindKey(connection, transaction, keyId);
            _audit.Append(connection, transaction, actor, "key.expire", "key", keyId, old.Public(), retired.Public());
            return Issue(actor, connection, transaction, subscription, "key.rotate", keyId);
        });

    public KeyRecord RevokeKey(Actor actor, string keyId) =>
        Change((connection, transaction) =>
        {
            var before = FindKey(connection, transaction, keyId);
            _ = OwnSubscription(actor, connection, transaction, before.SubscriptionId);
            connection.Execute("UPDATE api_keys SET revoked = 1 WHERE id = @Id", new { before.Id }, transaction);
            var after = FindKey(connection, transaction, keyId);
            _audit.Append(connection, transaction, actor, "key.revoke", "key", keyId, before.Public(), after.Public());
            return after;
        });

    private GeneratedApiKey Issue(Actor actor, SqliteConnection connection, SqliteTransaction transaction, SubscriptionRecord subscription, string action, string? replaces)
    {
        var key = ApiKeyGenerator.Create(_time.GetUtcNow());
        var record = new KeyRecord { SubscriptionId = subscription.Id, KeyId = key.KeyId, KeySha256 = key.Sha256, CreatedAt = key.CreatedAt };
        record.Id = connection.ExecuteScalar<long>(
            "INSERT INTO api_keys (subscription_id, key_id, key_sha256, created_at) VALUES (@SubscriptionId, @KeyId, @KeySha256, @CreatedAt) RETURNING id",
            record,
            transaction);
        _audit.Append(connection, transaction, actor, action, "key", key.KeyId, replaces is null ? null : new { replaces }, record.Public());
        return key;
    }

    private T Change<T>(Func<SqliteConnection, SqliteTransaction, T> change)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var result = change(connection, transaction);
        _sync.Write(connection, transaction);
        transaction.Commit();
        return result;
    }

    private static AppRecord OwnApp(Actor actor, SqliteConnection connection, SqliteTransaction transaction, long appId)
    {
        var app = connection.QuerySingleOrDefault<AppRecord>($"SELECT {AppColumns} FROM apps WHERE id = @appId", new { appId }, transaction);
        return app is not null && MayUse(actor, app) ? app : throw new SelfServiceException("There is no such app.", notFound: true);
    }

    private static SubscriptionRecord OwnSubscription(Actor actor, SqliteConnection connection, SqliteTransaction transaction, long subscriptionId)
    {
        var subscription = connection.QuerySingleOrDefault<SubscriptionRecord>(
            $"SELECT {SubscriptionColumns} FROM subscriptions WHERE id = @subscriptionId", new { subscriptionId }, transaction)
            ?? throw new SelfServiceException("There is no such subscription.", notFound: true);
        _ = OwnApp(actor, connection, transaction, subscription.AppId);
        return subscription;
    }

    private static KeyRecord FindKey(SqliteConnection connection, SqliteTransaction transaction, string keyId) =>
        connection.QuerySingleOrDefault<KeyRecord>($"SELECT {KeyColumns} FROM api_keys WHERE key_id = @keyId", new { keyId }, transaction)
        ?? throw new SelfServiceException("There is no such key.", notFound: true);

    private static bool MayUse(Actor actor, AppRecord app) => actor.IsAdmin || app.OwnerId == actor.UserId;

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
