namespace EdgeProxy.Policies.Quotas;

/// <summary>One consumer's usage for the admin port (<c>GET /consumers/{id}/usage</c> or a list of them), as JSON.</summary>
internal sealed record ConsumerUsage
{
    public string Consumer { get; init; } = "";

    public DateTimeOffset At { get; init; }

    public List<PeriodUsage> Periods { get; init; } = [];
}

/// <summary>Requests counted in the current period, with its limit (null when the plan sets none) and reset time.</summary>
internal sealed record PeriodUsage
{
    public string Period { get; init; } = "";

    public DateTimeOffset Start { get; init; }

    public DateTimeOffset ResetsAt { get; init; }

    public long Used { get; init; }

    public long? Limit { get; init; }
}
