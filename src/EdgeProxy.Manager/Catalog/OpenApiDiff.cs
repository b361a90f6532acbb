using Microsoft.OpenApi;

namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// The changelog computed between two versions' parsed OpenAPI documents: operations, parameters, request
/// bodies and response status codes added or removed, and parameters whose required-ness changed. Breaking
/// means a client built against the older version can fail against the newer one.
/// </summary>
public static class OpenApiDiff
{
    public static IReadOnlyList<OpenApiChange> Compare(OpenApiDocument previous, OpenApiDocument current)
    {
        var before = Operations(previous);
        var after = Operations(current);
        var changes = new List<OpenApiChange>();
        foreach (var key in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var old = before.GetValueOrDefault(key);
            var now = after.GetValueOrDefault(key);
            if (now is null)
            {
                changes.Add(new OpenApiChange(old!.Name, "operation removed", Breaking: true));
            }
            else if (old is null)
            {
                changes.Add(new OpenApiChange(now.Name, "operation added", Breaking: false));
            }
            else
            {
                CompareParameters(now.Name, old, now, changes);
                CompareRequestBodies(now.Name, old.Operation.RequestBody, now.Operation.RequestBody, changes);
                CompareResponses(now.Name, old.Operation, now.Operation, changes);
            }
        }

        return changes;
    }

    private static void CompareParameters(string key, OperationView old, OperationView now, List<OpenApiChange> changes)
    {
        foreach (var name in old.Parameters.Keys.Union(now.Parameters.Keys).Order(StringComparer.Ordinal))
        {
            var wasRequired = old.Parameters.TryGetValue(name, out var a) ? a : (bool?)null;
            var isRequired = now.Parameters.TryGetValue(name, out var b) ? b : (bool?)null;
            if (isRequired is null)
            {
                // The server stops honouring it: a client relying on it now gets different results.
                changes.Add(new OpenApiChange(key, $"parameter {name} removed", Breaking: true));
            }
            else if (wasRequired is null)
            {
                changes.Add(new OpenApiChange(key, $"{(isRequired.Value ? "required" : "optional")} parameter {name} added", Breaking: isRequired.Value));
            }
            else if (wasRequired != isRequired)
            {
                changes.Add(isRequired.Value
                    ? new OpenApiChange(key, $"parameter {name} is now required", Breaking: true)
                    : new OpenApiChange(key, $"parameter {name} is now optional", Breaking: false));
            }
        }
    }

    private static void CompareRequestBodies(string key, IOpenApiRequestBody? old, IOpenApiRequestBody? now, List<OpenApiChange> changes)
    {
        if (old is null && now is not null)
        {
            changes.Add(new OpenApiChange(key, $"{(now.Required ? "required" : "optional")} request body added", Breaking: now.Required));
        }
        else if (old is not null && now is null)
        {
            changes.Add(new OpenApiChange(key, "request body removed", Breaking: true));
        }
        else if (old is not null && now is not null && old.Required != now.Required)
        {
            changes.Add(now.Required
                ? new OpenApiChange(key, "request body is now required", Breaking: true)
                : new OpenApiChange(key, "request body is now optional", Breaking: false));
        }
    }

    private static void CompareResponses(string key, OpenApiOperation old, OpenApiOperation now, List<OpenApiChange> changes)
    {
        var before = old.Responses?.Keys ?? (ICollection<string>)[];
        var after = now.Responses?.Keys ?? (ICollection<string>)[];
        foreach (var status in before.Union(after).Order(StringComparer.Ordinal))
        {
            if (!after.Contains(status))
            {
                changes.Add(new OpenApiChange(key, $"response {status} removed", Breaking: true));
            }
            else if (!before.Contains(status))
            {
                changes.Add(new OpenApiChange(key, $"response {status} added", Breaking: false));
            }
        }
    }

    /// <summary>
    /// Operations by "/path METHOD", path parameters' names blanked (<c>{id}</c> and <c>{orderId}</c> are the same
    /// route), each with its effective parameters: the path item's, overridden by the operation's, by "in name".
    /// </summary>
    private static Dictionary<string, OperationView> Operations(OpenApiDocument document)
    {
        var operations = new Dictionary<string, OperationView>(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths ?? [])
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var parameters = new Dictionary<string, bool>(StringComparer.Ordinal);
                foreach (var parameter in (item.Parameters ?? []).Concat(operation.Parameters ?? []))
                {
                    if (parameter.Name is { } name)
                    {
                        var location = parameter.In?.ToString().ToLowerInvariant() ?? "query";
                        parameters[$"{name} (in {location})"] = parameter.Required;
                    }
                }

                var verb = method.Method.ToUpperInvariant();
                operations[$"{BlankParameters(path)} {verb}"] = new OperationView($"{verb} {path}", operation, parameters);
            }
        }

        return operations;
    }

    private static string BlankParameters(string path)
    {
        var text = new System.Text.StringBuilder(path.Length);
        var inside = false;
        foreach (var c in path)
        {
            if (c == '{')
            {
                inside = true;
                text.Append("{}");
            }
            else if (c == '}')
            {
                inside = false;
            }
            else if (!inside)
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    private sealed record OperationView(string Name, OpenApiOperation Operation, Dictionary<string, bool> Parameters);
}
