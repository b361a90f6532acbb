using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[[plans]]</c>: ids, per-consumer rate limits and quotas.</summary>
internal sealed class PlanValidator : IConfigValidator
{
    private const string Section = "[[plans]]";

    public void Validate(ValidationContext context)
    {
        foreach (var plan in context.Config.Plans)
        {
            var p = context.Of(plan);
            Checks.Id(context, p, "id", Section, plan.Id);
            Checks.Text(context, p, "title", Section, plan.Title);
            Checks.Text(context, p, "description", Section, plan.Description, multiLine: true);

            RateLimitChecks.Limits(context, plan.RateLimits, "[[plans.rate_limits]]", Checks.Name("plan", plan.Id));
            foreach (var limit in plan.RateLimits)
            {
                if (limit.Scope != RateLimitScope.Consumer)
                {
                    context.Error(context.Of(limit).Value("scope"), $"a plan's rate limits apply to each consumer on the plan, so their scope can only be \"consumer\"; put \"{RateLimitValidator.ScopeName(limit.Scope)}\" limits on routes");
                }
            }

            RateLimitChecks.Quotas(context, plan.Quotas, "[[plans.quotas]]", Checks.Name("plan", plan.Id));
            if (plan.Price is { } price)
            {
                ValidatePrice(context, price);
            }
        }

        Checks.Unique(context, context.Config.Plans, plan => plan.Id, "id", "plan id", StringComparer.Ordinal);
    }

    private static void ValidatePrice(ValidationContext context, PlanPriceConfig price)
    {
        var p = context.Of(price);
        NotNegative(context, p, "monthly", price.Monthly);
        NotNegative(context, p, "per_call", price.PerCall);
        NotNegative(context, p, "overage", price.Overage);
        if (!p.IsInvalid("currency") && (price.Currency.Length != 3 || !char.IsAsciiLetterUpper(price.Currency[0]) || !char.IsAsciiLetterUpper(price.Currency[1]) || !char.IsAsciiLetterUpper(price.Currency[2])))
        {
            context.Error(p.Value("currency"), $"'currency' in [plans.price] must be an ISO 4217 code of three upper-case letters like \"USD\", found \"{price.Currency}\"");
        }
    }

    private static void NotNegative(ValidationContext context, RecordPositions p, string key, decimal value)
    {
        if (value < 0 && !p.IsInvalid(key))
        {
            context.Error(p.Value(key), $"'{key}' in [plans.price] must not be negative, found {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
    }
}
