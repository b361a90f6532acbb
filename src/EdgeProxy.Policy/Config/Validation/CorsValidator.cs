namespace EdgeProxy.Policy.Config.Validation;

/// <summary><c>[cors]</c> and each route's <c>cors</c> table, on their own and as the policy each route ends up with.</summary>
internal sealed class CorsValidator : IConfigValidator
{
    private const string Section = "[cors]";
    private const string RouteSection = "[routes.cors]";

    public void Validate(ValidationContext context)
    {
        var defaults = context.Config.Cors;
        var p = context.Of(defaults);
        ValidateOrigins(context, p, Section, defaults.Origins);
        ValidateMethods(context, p, Section, defaults.Methods);
        ValidateNames(context, p, Section, "headers", defaults.Headers);
        ValidateNames(context, p, Section, "expose_headers", defaults.ExposeHeaders);
        ValidateMaxAge(context, p, Section, defaults.MaxAge);
        ValidateCredentials(context, defaults, p, null);

        foreach (var route in context.Config.Routes)
        {
            if (route.Cors is not { } cors)
            {
                continue;
            }

            var r = context.Of(cors);
            if (cors.Origins is { } origins)
            {
                ValidateOrigins(context, r, RouteSection, origins);
            }

            if (cors.Methods is { } methods)
            {
                ValidateMethods(context, r, RouteSection, methods);
            }

            if (cors.Headers is { } headers)
            {
                ValidateNames(context, r, RouteSection, "headers", headers);
            }

            if (cors.ExposeHeaders is { } expose)
            {
                ValidateNames(context, r, RouteSection, "expose_headers", expose);
            }

            if (cors.MaxAge is { } maxAge)
            {
                ValidateMaxAge(context, r, RouteSection, maxAge);
            }

            if (defaults.For(cors) is { } effective)
            {
                ValidateCredentials(context, effective, r, route);
            }
        }
    }

    private static void ValidateOrigins(ValidationContext context, Loading.RecordPositions p, string section, EquatableArray<string> origins)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < origins.Count; i++)
        {
            var origin = origins[i];
            if (origin == "*")
            {
                if (origins.Count > 1)
                {
                    context.Error(p.Item("origins", i), $"'origins' in {section} lists \"*\" with other origins; \"*\" already allows every origin");
                }
            }
            else if (!IsSerializedOrigin(origin))
            {
                context.Error(p.Item("origins", i), $"'origins' in {section} must hold origins like \"https://app.example.com\" or \"http://127.0.0.1:9900\" (scheme://host[:port], no path, no trailing slash) or \"*\", found \"{origin}\"");
            }
            else if (!seen.Add(origin))
            {
                context.Error(p.Item("origins", i), $"'origins' in {section} lists \"{origin}\" twice");
            }
        }
    }

    private static void ValidateMethods(ValidationContext context, Loading.RecordPositions p, string section, EquatableArray<string> methods)
    {
        for (var i = 0; i < methods.Count; i++)
        {
            if (methods[i] != "*" && !HttpSyntax.IsToken(methods[i]))
            {
                context.Error(p.Item("methods", i), $"'methods' in {section} must hold method names (RFC 9110 tokens) or \"*\", found \"{methods[i]}\"");
            }
        }
    }

    private static void ValidateNames(ValidationContext context, Loading.RecordPositions p, string section, string key, EquatableArray<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] != "*" && !HttpSyntax.IsToken(names[i]))
            {
                context.Error(p.Item(key, i), $"'{key}' in {section} must hold header names (RFC 9110 tokens) or \"*\", found \"{names[i]}\"");
            }
        }
    }

    private static void ValidateMaxAge(ValidationContext context, Loading.RecordPositions p, string section, TimeSpan maxAge)
    {
        Checks.NotNegative(context, p, "max_age", section, maxAge);

        // Browsers cap it anyway (Chromium at 2 hours, Firefox at 24); a longer value only hides a policy change longer.
        if (maxAge > TimeSpan.FromHours(24))
        {
            context.Error(p.Value("max_age"), $"'max_age' in {section} may be at most 24h, found {Config.DurationParser.Format(maxAge)}");
        }

        if (maxAge.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            context.Error(p.Value("max_age"), $"'max_age' in {section} must be whole seconds (Access-Control-Max-Age counts seconds), found {Config.DurationParser.Format(maxAge)}");
        }
    }

    /// <summary>
    /// Fetch standard: a credentialed request fails on <c>Access-Control-Allow-Origin: *</c> and takes a <c>*</c> in the
    /// method, header and expose lists as a literal name, so wildcards and credentials exclude each other. Checked on the
    /// policy the route ends up with; the error points at the key the route set, else at <c>[cors]</c>.
    /// </summary>
    private static void ValidateCredentials(ValidationContext context, CorsSettings effective, Loading.RecordPositions p, RouteConfig? route)
    {
        if (!effective.Credentials)
        {
            return;
        }

        var owner = route is null ? Section : $"{Checks.Name("route", route.Id)}'s CORS policy";
        CheckNoWildcard(context, p, owner, "origins", effective.Origins);
        CheckNoWildcard(context, p, owner, "methods", effective.Methods);
        CheckNoWildcard(context, p, owner, "headers", effective.Headers);
        CheckNoWildcard(context, p, owner, "expose_headers", effective.ExposeHeaders);
    }

    private static void CheckNoWildcard(ValidationContext context, Loading.RecordPositions p, string owner, string key, EquatableArray<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == "*")
            {
                var at = p.Has(RecordPositionsItem(key, i)) ? p.Item(key, i) : p.Has("credentials") ? p.Value("credentials") : p.Header;
                context.Error(at, $"{owner} allows credentials (credentials = true) and has \"*\" in '{key}'; browsers refuse a wildcard on credentialed requests, so list the values instead");
                return;
            }
        }
    }

    private static string RecordPositionsItem(string key, int index) => Loading.RecordPositions.ItemKey(key, index);

    /// <summary><c>scheme://host[:port]</c> as a browser serializes it in <c>Origin</c> (RFC 6454 §6.2): no path, query, user info or trailing slash.</summary>
    internal static bool IsSerializedOrigin(string value)
    {
        var separator = value.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0 || !char.IsAsciiLetter(value[0]))
        {
            return false;
        }

        for (var i = 1; i < separator; i++)
        {
            if (!char.IsAsciiLetterOrDigit(value[i]) && value[i] is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        var authority = value.AsSpan(separator + 3);
        if (authority.IsEmpty || authority.IndexOfAny("/?#@ \t\\") >= 0)
        {
            return false;
        }

        var colon = authority[0] == '[' ? authority.IndexOf("]:") + 1 : authority.LastIndexOf(':');
        if (colon > 0)
        {
            var port = authority[(colon + 1)..];
            if (port.IsEmpty || port.Length > 5 || !int.TryParse(port, System.Globalization.NumberStyles.None, null, out var number) || number > 65535)
            {
                return false;
            }

            authority = authority[..colon];
        }

        return !authority.IsEmpty && (authority[0] == '[' ? authority[^1] == ']' : authority.IndexOfAny("[]:") < 0);
    }
}
