using System.Text.Json;
using Dapper;
using EdgeProxy.Manager.Accounts;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Audit;

/// <summary>
/// Append-only record of every change. There is deliberately no update or delete here, and triggers in the
/// schema refuse both, so not even a bug elsewhere in the manager can rewrite history.
/// </summary>
public sealed class AuditLog
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly TimeProvider _time;

    public AuditLog(TimeProvider time) => _time = time;

    /// <summary>Appends inside the caller's transaction, so the change and its record commit (or roll back) together.</summary>
    public void Append(SqliteConnection connection, SqliteTransaction transaction, Actor actor, string action, string entity, string entityId, object? before, object? after)
    {
        connection.Execute(
            """
            INSERT INTO audit_log (at, actor_id, actor, action, entity, entity_id, before_json, after_json)
            VALUES (@At, @ActorId, @Actor, @Action, @Entity, @EntityId, @BeforeJson, @AfterJson)
            """,
            new AuditEntry
            {
                At = _time.GetUtcNow(),
                ActorId = actor.UserId,
                Actor = actor.Name,
                Action = action,
                Entity = entity,
                EntityId = entityId,
                BeforeJson = before is null ? null : JsonSerializer.Serialize(before, Json),
                AfterJson = after is null ? null : JsonSerializer.Serialize(after, Json),
            },
            transaction);
    }

    public static IReadOnlyList<AuditEntry> Query(SqliteConnection connection, AuditFilter filter)
    {
        var sql = "SELECT id, at, actor_id AS ActorId, actor, action, entity, entity_id AS EntityId, before_json AS BeforeJson, after_json AS AfterJson FROM audit_log WHERE 1 = 1";
        if (!string.IsNullOrEmpty(filter.Actor))
        {
            sql += " AND actor = @Actor";
        }

        if (!string.IsNullOrEmpty(filter.Action))
        {
            sql += " AND action LIKE @Action || '%'";
        }

        if (!string.IsNullOrEmpty(filter.Entity))
        {
            sql += " AND entity = @Entity";
        }

        if (!string.IsNullOrEmpty(filter.EntityId))
        {
            sql += " AND entity_id = @EntityId";
        }

        sql += " ORDER BY id DESC LIMIT @Limit";
        return [.. connection.Query<AuditEntry>(sql, new { filter.Actor, filter.Action, filter.Entity, filter.EntityId, Limit = Math.Clamp(filter.Limit, 1, 1000) })];
    }
}
