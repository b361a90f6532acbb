using Dapper;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>
/// After a change, inside its transaction: every active subscription with its keys goes to the gateway's
/// config directory. If the gateway would refuse the result, the exception rolls the change back with it.
/// </summary>
public sealed class PolicySync
{
    private readonly ConsumerFileWriter _writer;
    private readonly PolicyTable _table;
    private readonly TimeProvider _time;

    public PolicySync(ConsumerFileWriter writer, PolicyTable table, TimeProvider time)
    {
        _writer = writer;
        _table = table;
        _time = time;
    }

    public void Write(SqliteConnection connection, SqliteTransaction? transaction)
    {
        _writer.Write(ConsumerTomlRenderer.Render(Read(connection, transaction), _time.GetUtcNow()));
        _table.Invalidate();
    }

    public static IReadOnlyList<ManagedConsumer> Read(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var subscriptions = connection.Query<SubscriptionRecord>(
            $"SELECT {SelfService.SubscriptionColumns} FROM subscriptions WHERE state = 'active' ORDER BY id", transaction: transaction).ToList();
        var names = connection.Query<(long Id, string Name)>("SELECT id, name FROM apps", transaction: transaction).ToDictionary(a => a.Id, a => a.Name);
        var keys = connection.Query<KeyRecord>(
            $"SELECT {SelfService.KeyColumns} FROM api_keys ORDER BY id", transaction: transaction).ToLookup(k => k.SubscriptionId);
        var consumers = new List<ManagedConsumer>(subscriptions.Count);
        foreach (var subscription in subscriptions)
        {
            consumers.Add(new ManagedConsumer(subscription, names.GetValueOrDefault(subscription.AppId, ""), [.. keys[subscription.Id]]));
        }

        return consumers;
    }
}
