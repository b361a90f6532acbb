using System.Text.Json;
using Dapper;
using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.PolicyWriter;

namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// APIs created in the admin UI/API and lifecycle transitions of their versions. The database holds them; every
/// change rewrites <c>manager-apis.toml</c> in the same transaction, validated with the gateway's loader, so an API
/// naming an unknown route (or anything else the gateway would refuse) is rolled back with the loader's errors.
/// Admins manage every API, publishers those their team owns.
/// </summary>
public sealed class ManagedApis
{
    public const string VersionColumns = "api_id AS ApiId, version, state, routes, openapi AS OpenApi, deprecated_at AS DeprecatedAt, sunset, successor, changelog";

    // The lifecycle only moves forward: a published version is never draft again, a retired one never returns.
    private static readonly string[] States = ["draft", "published", "deprecated", "retired"];

    private readonly ManagerDatabase _database;
    private readonly AuditLog _audit;
    private readonly PolicySync _sync;
    private readonly TimeProvider _time;

    public ManagedApis(ManagerDatabase database, AuditLog audit, PolicySync sync, TimeProvider time)
    {
        _database = database;
        _audit = audit;
        _sync = sync;
        _time = time;
    }

    public IReadOnlyList<(ManagedApi Api, IReadOnlyList<ManagedApiVersion> Versions)> List()
    {
        using var connection = _database.Open();
        var versions = connection.Query<ManagedApiVersion>($"SELECT {VersionColumns} FROM managed_api_versions ORDER BY api_id, rowid").ToLookup(v => v.ApiId);
        return [.. connection.Query<ManagedApi>("SELECT id, title, summary, owner, tags, created_at AS CreatedAt FROM managed_apis ORDER BY id")
            .Select(a => (a, (IReadOnlyList<ManagedApiVersion>)[.. versions[a.Id]]))];
    }

    public ManagedApi Create(Actor actor, CreateApiRequest request)
    {
        if (!actor.Governs(request.Owner))
        {
            throw new SelfServiceException("Only admins, and publishers for their own team, create APIs.", forbidden: true);
        }

        if (string.IsNullOrWhiteSpace(request.Id) || string.IsNullOrWhiteSpace(request.Title) || request.Versions is not { Count: > 0 })
        {
            throw new SelfServiceException("An API needs an id, a title and at least one version.");
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        if (connection.ExecuteScalar<long>("SELECT COUNT(*) FROM managed_apis WHERE id = @Id", new { request.Id }, transaction) > 0)
        {
            throw new SelfServiceException($"The manager has an API '{request.Id}' already.");
        }

        var api = new ManagedApi
        {
            Id = request.Id.Trim(),
            Title = request.Title.Trim(),
            Summary = request.Summary?.Trim() ?? "",
            Owner = request.Owner.Trim(),
            Tags = JsonSerializer.Serialize(request.Tags ?? []),
            CreatedAt = _time.GetUtcNow(),
        };
        connection.Execute("INSERT INTO managed_apis (id, title, summary, owner, tags, created_at) VALUES (@Id, @Title, @Summary, @Owner, @Tags, @CreatedAt)", api, transaction);
        foreach (var version in request.Versions)
        {
            var state = version.State ?? "draft";
            if (Array.IndexOf(States, state) < 0)
            {
                throw new SelfServiceException($"Unknown state '{state}' (draft, published, deprecated, retired).");
            }

            connection.Execute(
                $"INSERT INTO managed_api_versions (api_id, version, state, routes, openapi, deprecated_at, changelog) VALUES (@ApiId, @Version, @State, @Routes, @OpenApi, @DeprecatedAt, @Changelog)",
                new ManagedApiVersion
                {
                    ApiId = api.Id,
                    Version = version.Version,
                    State = state,
                    Routes = JsonSerializer.Serialize(version.Routes ?? []),
                    OpenApi = version.OpenApi,
                    DeprecatedAt = state is "deprecated" or "retired" ? Second(_time.GetUtcNow()) : null,
                    Changelog = version.Changelog ?? "",
                },
                transaction);
        }

        _audit.Append(connection, transaction, actor, "api.create", "api", api.Id, null, request);
        _sync.Write(connection, transaction);
        transaction.Commit();
        return api;
    }

    /// <summary>Moves a version forward in its lifecycle; deprecating stamps <c>deprecated_at</c> (now unless given).</summary>
    public ManagedApiVersion Transition(Actor actor, string apiId, string version, TransitionRequest request)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var owner = connection.ExecuteScalar<string?>("SELECT owner FROM managed_apis WHERE id = @apiId", new { apiId }, transaction)
            ?? throw new SelfServiceException($"The manager has no API '{apiId}' (APIs declared in other files change there).", notFound: true);
        if (!actor.Governs(owner))
        {
            throw new SelfServiceException("Only admins and publishers of the API's owner team change its lifecycle.", forbidden: true);
        }

        var before = connection.QuerySingleOrDefault<ManagedApiVersion>(
            $"SELECT {VersionColumns} FROM managed_api_versions WHERE api_id = @apiId AND version = @version", new { apiId, version }, transaction)
            ?? throw new SelfServiceException($"API '{apiId}' has no version '{version}'.", notFound: true);
        var from = Array.IndexOf(States, before.State);
        var to = Array.IndexOf(States, request.State);
        if (to < 0 || to <= from)
        {
            throw new SelfServiceException($"A version moves forward only (draft → published → deprecated → retired); it is {before.State}, asked for '{request.State}'.");
        }

        var deprecatedAt = before.DeprecatedAt ?? (request.State is "deprecated" or "retired" ? Second(request.DeprecatedAt ?? _time.GetUtcNow()) : null);
        connection.Execute(
            "UPDATE managed_api_versions SET state = @State, deprecated_at = @deprecatedAt, sunset = COALESCE(@sunset, sunset), successor = COALESCE(@Successor, successor) WHERE api_id = @apiId AND version = @version",
            new { request.State, deprecatedAt, sunset = request.Sunset is { } s ? Second(s) : (DateTimeOffset?)null, request.Successor, apiId, version },
            transaction);
        var after = connection.QuerySingle<ManagedApiVersion>(
            $"SELECT {VersionColumns} FROM managed_api_versions WHERE api_id = @apiId AND version = @version", new { apiId, version }, transaction);
        _audit.Append(connection, transaction, actor, "api.version.state", "api", $"{apiId}/{version}", before, after);
        _sync.Write(connection, transaction);
        transaction.Commit();
        return after;
    }

    private static DateTimeOffset Second(DateTimeOffset value) => new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    public sealed record CreateApiRequest(string Id, string Title, string? Summary, string Owner, List<string>? Tags, List<CreateVersionRequest> Versions);

    public sealed record CreateVersionRequest(string Version, string? State, List<string>? Routes, string? OpenApi, string? Changelog);

    public sealed record TransitionRequest(string State, DateTimeOffset? DeprecatedAt, DateTimeOffset? Sunset, string? Successor);
}
