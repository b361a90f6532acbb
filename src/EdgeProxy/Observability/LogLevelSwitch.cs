using Microsoft.Extensions.Logging;

namespace EdgeProxy.Observability;

/// <summary>
/// The gateway's log level as the running config sets it (<c>[gateway] log_level</c>). The logger factory is built
/// before the first config is read and lives across reloads, so its filter asks this switch on every log call
/// instead of holding a level of its own.
/// </summary>
internal sealed class LogLevelSwitch
{
    private const string HostCategoryPrefix = "Microsoft";

    private volatile int _minimum = (int)LogLevel.Information;

    public LogLevel Minimum => (LogLevel)_minimum;

    /// <summary>Takes a validated <c>log_level</c> value.</summary>
    public void Apply(string name) => _minimum = (int)Parse(name);

    /// <summary>
    /// Whether a line is written. Kestrel and the host (Microsoft.*) log per connection at information and below, noise
    /// to an operator of a proxy, so they stay at warning or above even when the gateway's own lines are more verbose.
    /// </summary>
    public bool Allows(string? category, LogLevel level)
    {
        var minimum = (LogLevel)_minimum;
        if (category is not null && category.StartsWith(HostCategoryPrefix, StringComparison.Ordinal) && minimum < LogLevel.Warning)
        {
            minimum = LogLevel.Warning;
        }

        return level >= minimum && level != LogLevel.None;
    }

    public static LogLevel Parse(string name) => name switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Information,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "off" => LogLevel.None,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a log level; the validator lets none through"),
    };
}
