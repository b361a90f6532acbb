using EdgeProxy.Policy.Config.Loading;

namespace EdgeProxy.Policy.Config.Validation;

/// <summary>
/// <c>[[apis]]</c> and their versions: ids, states, the routes each version claims, OpenAPI files, lifecycle
/// dates and successors. A route belongs to at most one API version, because the gateway decides a request's
/// lifecycle (404 for a draft, 410 when retired, deprecation headers) from the route it matched.
/// </summary>
internal sealed class ApiValidator : IConfigValidator
{
    private const string Section = "[[apis]]";
    private const string VersionSection = "[[apis.versions]]";

    public void Validate(ValidationContext context)
    {
        var routeIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in context.Config.Routes)
        {
            routeIds.Add(route.Id);
        }

        var claimed = new Dictionary<string, (ApiConfig Api, ApiVersionConfig Version, int Index)>(StringComparer.Ordinal);
        foreach (var api in context.Config.Apis)
        {
            var p = context.Of(api);
            if (Checks.Required(context, p, "id", Section, api.Id) && !ApiIdSyntax.IsValid(api.Id))
            {
                context.Error(p.Value("id"), $"'id' in {Section} may contain only {ApiIdSyntax.Rule}, found \"{api.Id}\"");
            }

            if (Checks.Required(context, p, "title", Section, api.Title))
            {
                Checks.Text(context, p, "title", Section, api.Title);
            }

            Checks.Text(context, p, "summary", Section, api.Summary, multiLine: true);
            Checks.Text(context, p, "owner", Section, api.Owner);
            Checks.Tags(context, p, api.Tags, Section, Checks.Name("API", api.Id));
            foreach (var version in api.Versions)
            {
                ValidateVersion(context, api, version, routeIds, claimed);
            }

            Checks.Unique(context, api.Versions, v => v.Version, "version", $"version of {Checks.Name("API", api.Id)}", StringComparer.Ordinal);
        }

        Checks.Unique(context, context.Config.Apis, a => a.Id, "id", "API id", StringComparer.Ordinal);
    }

    private static void ValidateVersion(ValidationContext context, ApiConfig api, ApiVersionConfig version, HashSet<string> routeIds,
        Dictionary<string, (ApiConfig Api, ApiVersionConfig Version, int Index)> claimed)
    {
        var v = context.Of(version);
        Checks.Id(context, v, "version", VersionSection, version.Version);
        if (!v.Has("state") && !v.IsInvalid("state"))
        {
            context.Error(v.Header, $"missing key 'state' in {VersionSection}; one of \"draft\", \"published\", \"deprecated\", \"retired\"");
        }

        var name = $"version '{version.Version}' of {Checks.Name("API", api.Id)}";
        for (var i = 0; i < version.Routes.Count; i++)
        {
            var route = version.Routes[i];
            if (context.IsComplete && !routeIds.Contains(route))
            {
                var hint = KeySuggester.Nearest(route, routeIds) is { } nearest ? $"; did you mean '{nearest}'?" : "";
                context.Error(v.Item("routes", i), $"{name} lists route '{route}', which no [[routes]] entry defines{hint}");
            }
            else if (claimed.TryGetValue(route, out var first))
            {
                var owner = ReferenceEquals(first.Version, version) ? "this version already" : $"version '{first.Version.Version}' of {Checks.Name("API", first.Api.Id)}";
                context.Error(v.Item("routes", i), $"route '{route}' is already listed by {owner} (at {context.Of(first.Version).Item("routes", first.Index)}); a route belongs to at most one API version");
            }
            else
            {
                claimed.Add(route, (api, version, i));
            }
        }

        Checks.ExistingFile(context, v, "openapi", VersionSection, version.OpenApiFile, required: false);

        // RFC 9745's Deprecation header is a date; a deprecated version without one has nothing true to send.
        if (version.State == ApiVersionState.Deprecated && version.DeprecatedAt is null && v.Has("state") && !v.IsInvalid("deprecated_at"))
        {
            context.Error(v.Value("state"), $"{name} is deprecated but has no 'deprecated_at'; the Deprecation header (RFC 9745) needs the date it took effect");
        }

        if (version.DeprecatedAt is { } deprecatedAt && version.Sunset is { } sunset && sunset < deprecatedAt)
        {
            context.Error(v.Value("sunset"), $"'sunset' in {VersionSection} ({TimestampParser.Format(sunset)}) must not be before 'deprecated_at' ({TimestampParser.Format(deprecatedAt)})");
        }

        if (version.Successor is { } successor && Checks.Required(context, v, "successor", VersionSection, successor))
        {
            if (successor == version.Version)
            {
                context.Error(v.Value("successor"), $"{name} names itself as its successor");
            }
            else if (!HasVersion(api, successor))
            {
                var versions = new List<string>();
                foreach (var other in api.Versions)
                {
                    versions.Add(other.Version);
                }

                var hint = KeySuggester.Nearest(successor, versions) is { } nearest ? $"; did you mean '{nearest}'?" : "";
                context.Error(v.Value("successor"), $"{name} names successor '{successor}', which is not a version of {Checks.Name("API", api.Id)}{hint}");
            }
        }

        Checks.Text(context, v, "changelog", VersionSection, version.Changelog, multiLine: true);
    }

    private static bool HasVersion(ApiConfig api, string version)
    {
        foreach (var other in api.Versions)
        {
            if (other.Version == version)
            {
                return true;
            }
        }

        return false;
    }
}
