using System.Text.Json;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Manager.Analytics;

/// <summary>Text for the wire enums as the gateway's logs and metrics spell them (<c>connect_refused</c>, <c>get</c>).</summary>
public static class AnalyticsNames
{
    /// <summary>The error kind, or for a plain 5xx (no kind) <c>http_&lt;status&gt;</c>, so such errors group by status.</summary>
    public static string ErrorGroup(AnalyticsErrorKind kind, int status) =>
        kind == AnalyticsErrorKind.None ? "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture) : Snake(kind.ToString());

    public static string Method(AnalyticsMethod method) => method == AnalyticsMethod.Other ? "OTHER" : method.ToString().ToUpperInvariant();

    // An unknown (newer) enum value prints as its number, which Snake leaves as is.
    private static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
