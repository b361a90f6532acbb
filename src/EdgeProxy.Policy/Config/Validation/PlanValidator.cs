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
            RateLimitChecks.Limits(context, plan.RateLimits, "[[plans.rate_limits]]", Checks.Name("plan", plan.Id));
            foreach (var limit in plan.RateLimits)
            {
                if (limit.Scope != RateLimitScope.Consumer)
                {
                    context.Error(context.Of(limit).Value("scope"), $"a plan's rate limits apply to each consumer on the plan, so their scope can only be \"consumer\"; put \"{RateLimitValidator.ScopeName(limit.Scope)}\" limits on routes");
                }
            }

            RateLimitChecks.Quotas(context, plan.Quotas, "[[plans.quotas]]", Checks.Name("plan", plan.Id));
        }

        Checks.Unique(context, context.Config.Plans, plan => plan.Id, "id", "plan id", StringComparer.Ordinal);
    }
}
