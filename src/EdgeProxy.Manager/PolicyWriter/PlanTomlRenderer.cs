using System.Globalization;
using System.Text;
using EdgeProxy.Manager.Catalog;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>Writes the manager's plans as TOML in the policy table's <c>[[plans]]</c> schema.</summary>
public static class PlanTomlRenderer
{
    public static string Render(IReadOnlyList<ManagedPlan> plans)
    {
        var text = new StringBuilder("# Written by edgeproxy-manager. Do not edit: plans created in the manager live in its database.\n");
        foreach (var plan in plans)
        {
            text.Append("\n[[plans]]\n");
            text.Append("id = ").Append(ConsumerTomlRenderer.Quote(plan.Id)).Append('\n');
            text.Append("title = ").Append(ConsumerTomlRenderer.Quote(plan.Title)).Append('\n');
            text.Append("description = ").Append(ConsumerTomlRenderer.Quote(plan.Description)).Append('\n');
            text.Append("approval = ").Append(plan.Approval ? "true" : "false").Append('\n');
            if (!string.IsNullOrEmpty(plan.Rate))
            {
                text.Append("rate_limits = [{ name = ").Append(ConsumerTomlRenderer.Quote(plan.Id + "-rate"))
                    .Append(", rate = ").Append(ConsumerTomlRenderer.Quote(plan.Rate));
                if (plan.Burst is { } burst)
                {
                    text.Append(", burst = ").Append(burst.ToString(CultureInfo.InvariantCulture));
                }

                text.Append(" }]\n");
            }

            var quotas = new List<string>();
            if (plan.DayQuota is { } day)
            {
                quotas.Add($"{{ period = \"day\", limit = {day.ToString(CultureInfo.InvariantCulture)} }}");
            }

            if (plan.MonthQuota is { } month)
            {
                quotas.Add($"{{ period = \"month\", limit = {month.ToString(CultureInfo.InvariantCulture)} }}");
            }

            if (quotas.Count > 0)
            {
                text.Append("quotas = [").Append(string.Join(", ", quotas)).Append("]\n");
            }

            if (plan.Monthly is not null || plan.PerCall is not null || plan.Overage is not null)
            {
                text.Append("price = { monthly = ").Append(Number(plan.Monthly))
                    .Append(", per_call = ").Append(Number(plan.PerCall))
                    .Append(", overage = ").Append(Number(plan.Overage))
                    .Append(", currency = ").Append(ConsumerTomlRenderer.Quote(plan.Currency)).Append(" }\n");
            }
        }

        return text.ToString();
    }

    // A TOML float always has a decimal point; the text was checked to be a decimal number when stored.
    private static string Number(string? value)
    {
        var number = decimal.Parse(value ?? "0", NumberStyles.Number, CultureInfo.InvariantCulture);
        var text = number.ToString(CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text : text + ".0";
    }
}
