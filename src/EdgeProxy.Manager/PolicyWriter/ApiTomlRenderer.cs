using System.Text;
using System.Text.Json;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>Writes the manager's APIs as TOML in the policy table's <c>[[apis]]</c> schema.</summary>
public static class ApiTomlRenderer
{
    public static string Render(IReadOnlyList<ManagedApi> apis, IReadOnlyList<ManagedApiVersion> versions)
    {
        var text = new StringBuilder("# Written by edgeproxy-manager. Do not edit: APIs created in the manager and their lifecycle live in its database.\n");
        if (apis.Count == 0)
        {
            text.Append("# No APIs created in the manager.\n");
        }

        foreach (var api in apis)
        {
            text.Append("\n[[apis]]\n");
            Line(text, "id", api.Id);
            Line(text, "title", api.Title);
            Line(text, "summary", api.Summary);
            Line(text, "owner", api.Owner);
            text.Append("tags = ").Append(Array(api.Tags)).Append('\n');
            foreach (var version in versions)
            {
                if (version.ApiId != api.Id)
                {
                    continue;
                }

                text.Append("\n[[apis.versions]]\n");
                Line(text, "version", version.Version);
                Line(text, "state", version.State);
                text.Append("routes = ").Append(Array(version.Routes)).Append('\n');
                if (!string.IsNullOrEmpty(version.OpenApi))
                {
                    Line(text, "openapi", version.OpenApi);
                }

                if (version.DeprecatedAt is { } deprecated)
                {
                    text.Append("deprecated_at = ").Append(TimestampParser.Format(deprecated.ToUniversalTime())).Append('\n');
                }

                if (version.Sunset is { } sunset)
                {
                    text.Append("sunset = ").Append(TimestampParser.Format(sunset.ToUniversalTime())).Append('\n');
                }

                if (!string.IsNullOrEmpty(version.Successor))
                {
                    Line(text, "successor", version.Successor);
                }

                Line(text, "changelog", version.Changelog);
            }
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string key, string value) =>
        text.Append(key).Append(" = ").Append(ConsumerTomlRenderer.Quote(value)).Append('\n');

    private static string Array(string json)
    {
        var items = JsonSerializer.Deserialize<string[]>(json) ?? [];
        return "[" + string.Join(", ", items.Select(ConsumerTomlRenderer.Quote)) + "]";
    }
}
