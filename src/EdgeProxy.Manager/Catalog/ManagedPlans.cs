using System.Globalization;
using Dapper;
using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.PolicyWriter;

namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// Plans created and edited by admins, written to <c>manager-plans.toml</c> in the same validated write as the
/// other manager files (a plan id that another file declares, a bad rate, ... rolls back with the loader's errors).
/// </summary>
public sealed class ManagedPlans
{
    public const string Columns = "id, title, description, approval, rate, burst, day_quota AS DayQuota, month_quota AS MonthQuota, monthly, per_call AS PerCall, overage, currency";

    private readonly ManagerDatabase _database;
    private readonly AuditLog _audit;
    private readonly PolicySync _sync;

    public ManagedPlans(ManagerDatabase database, AuditLog audit, PolicySync sync)
    {
        _database = database;
        _audit = audit;
        _sync = sync;
    }

    public IReadOnlyList<ManagedPlan> List()
    {
        using var connection = _database.Open();
        return [.. connection.Query<ManagedPlan>($"SELECT {Columns} FROM managed_plans ORDER BY id")];
    }

    /// <summary>Creates the plan or replaces the manager's earlier version of it.</summary>
    public ManagedPlan Save(Actor actor, ManagedPlan plan)
    {
        if (!actor.IsAdmin)
        {
            throw new SelfServiceException("Only admins edit plans.", forbidden: true);
        }

        if (string.IsNullOrWhiteSpace(plan.Id) || string.IsNullOrWhiteSpace(plan.Title))
        {
            throw new SelfServiceException("A plan needs an id and a title.");
        }

        foreach (var (name, value) in (ReadOnlySpan<(string, string?)>)[("monthly", plan.Monthly), ("per_call", plan.PerCall), ("overage", plan.Overage)])
        {
            if (value is not null && !decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _))
            {
                throw new SelfServiceException($"The price '{name}' must be a decimal number, found '{value}'.");
            }
        }

        plan.Rate = string.IsNullOrWhiteSpace(plan.Rate) ? null : plan.Rate.Trim();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var before = connection.QuerySingleOrDefault<ManagedPlan>($"SELECT {Columns} FROM managed_plans WHERE id = @Id", new { plan.Id }, transaction);
        connection.Execute(
            """
            INSERT OR REPLACE INTO managed_plans (id, title, description, approval, rate, burst, day_quota, month_quota, monthly, per_call, overage, currency)
            VALUES (@Id, @Title, @Description, @Approval, @Rate, @Burst, @DayQuota, @MonthQuota, @Monthly, @PerCall, @Overage, @Currency)
            """,
            plan,
            transaction);
        _audit.Append(connection, transaction, actor, before is null ? "plan.create" : "plan.edit", "plan", plan.Id, before, plan);
        _sync.Write(connection, transaction);
        transaction.Commit();
        return plan;
    }
}
