using Dapper;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>
/// After a change, inside its transaction: the manager's APIs and every active subscription with its keys go to
/// the gateway's config directory. If the gateway would refuse the result, the exception rolls the change back with it.
/// </summary>
public sealed class PolicySync
{
    private readonly PolicyFileWriter _writer;
    private readonly PolicyTable _table;
    private readonly TimeProvider _time;

    public PolicySync(PolicyFileWriter writer, PolicyTable table, TimeProvider time)
    {
        _writer = writer;
        _table = table;
        _time = time;
    }

    public void Write(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var apis = connection.Query<ManagedApi>(
            "SELECT id, title, summary, owner, tags, created_at AS CreatedAt FROM managed_apis ORDER BY id", transaction: transaction).ToList();
        var versions = connection.Query<ManagedApiVersion>(
            $"SELECT {ManagedApis.VersionColumns} FROM managed_api_versions ORDER BY api_id, rowid", transaction: transaction).ToList();
        var plans = connection.Query<ManagedPlan>($"SELECT {ManagedPlans.Columns} FROM managed_plans ORDER BY id", transaction: transaction).ToList();
        _writer.Write(
        [
            (PolicyFileWriter.PlansFile, PlanTomlRenderer.Render(plans)),
            (PolicyFileWriter.ApisFile, ApiTomlRenderer.Render(apis, versions)),
            (PolicyFileWriter.ConsumersFile, ConsumerTomlRenderer.Render(Read(connection, transaction), _time.GetUtcNow())),
        ]);
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
