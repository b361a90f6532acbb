using System.Globalization;
using Dapper;
using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Data;

namespace EdgeProxy.Manager.Feedback;

/// <summary>Comment threads per API and problem reports to the API's owner; both audited.</summary>
public sealed class FeedbackService
{
    public const int MaxBody = 4000;

    private const string CommentColumns = "c.id, c.api_id AS ApiId, c.author_id AS AuthorId, u.display_name AS Author, c.body, c.created_at AS CreatedAt";
    private const string ReportColumns = "r.id, r.api_id AS ApiId, r.owner, r.reporter_id AS ReporterId, u.email AS Reporter, r.subject, r.body, r.state, r.created_at AS CreatedAt";

    private readonly ManagerDatabase _database;
    private readonly AuditLog _audit;
    private readonly PolicyTable _table;
    private readonly TimeProvider _time;

    public FeedbackService(ManagerDatabase database, AuditLog audit, PolicyTable table, TimeProvider time)
    {
        _database = database;
        _audit = audit;
        _table = table;
        _time = time;
    }

    public IReadOnlyList<ApiComment> Comments(string apiId)
    {
        using var connection = _database.Open();
        return [.. connection.Query<ApiComment>(
            $"SELECT {CommentColumns} FROM api_comments c JOIN users u ON u.id = c.author_id WHERE c.api_id = @apiId ORDER BY c.id", new { apiId })];
    }

    public ApiComment Comment(Actor actor, string apiId, string body)
    {
        ListedApi(apiId);
        body = Text(body, "comment");
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var id = connection.ExecuteScalar<long>(
            "INSERT INTO api_comments (api_id, author_id, body, created_at) VALUES (@apiId, @UserId, @body, @now) RETURNING id",
            new { apiId, actor.UserId, body, now = _time.GetUtcNow() },
            transaction);
        var comment = connection.QuerySingle<ApiComment>($"SELECT {CommentColumns} FROM api_comments c JOIN users u ON u.id = c.author_id WHERE c.id = @id", new { id }, transaction);
        _audit.Append(connection, transaction, actor, "comment.create", "comment", Id(id), null, comment);
        transaction.Commit();
        return comment;
    }

    public ProblemReport Report(Actor actor, string apiId, string subject, string body)
    {
        var api = ListedApi(apiId);
        subject = subject.Trim();
        if (subject.Length is 0 or > 200)
        {
            throw new SelfServiceException("Enter a subject of 1 to 200 characters.");
        }

        body = Text(body, "description");
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var id = connection.ExecuteScalar<long>(
            "INSERT INTO problem_reports (api_id, owner, reporter_id, subject, body, state, created_at) VALUES (@apiId, @Owner, @UserId, @subject, @body, 'open', @now) RETURNING id",
            new { apiId, api.Owner, actor.UserId, subject, body, now = _time.GetUtcNow() },
            transaction);
        var report = FindReport(connection, transaction, id)!;
        _audit.Append(connection, transaction, actor, "report.create", "report", Id(id), null, report);
        transaction.Commit();
        return report;
    }

    /// <summary>Reports for the admin UI, by owner team and state; empty filters match all.</summary>
    public IReadOnlyList<ProblemReport> Reports(string? owner, string? state)
    {
        using var connection = _database.Open();
        return [.. connection.Query<ProblemReport>(
            $"SELECT {ReportColumns} FROM problem_reports r JOIN users u ON u.id = r.reporter_id WHERE (@owner IS NULL OR r.owner = @owner) AND (@state IS NULL OR r.state = @state) ORDER BY r.owner, r.id DESC",
            new { owner = string.IsNullOrEmpty(owner) ? null : owner, state = string.IsNullOrEmpty(state) ? null : state })];
    }

    public ProblemReport Close(Actor actor, long reportId)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        var before = FindReport(connection, transaction, reportId) ?? throw new SelfServiceException("There is no such report.", notFound: true);
        connection.Execute("UPDATE problem_reports SET state = 'closed' WHERE id = @reportId", new { reportId }, transaction);
        var after = FindReport(connection, transaction, reportId)!;
        _audit.Append(connection, transaction, actor, "report.close", "report", Id(reportId), before, after);
        transaction.Commit();
        return after;
    }

    private static ProblemReport? FindReport(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, long id) =>
        connection.QuerySingleOrDefault<ProblemReport>($"SELECT {ReportColumns} FROM problem_reports r JOIN users u ON u.id = r.reporter_id WHERE r.id = @id", new { id }, transaction);

    private CatalogApi ListedApi(string apiId) =>
        _table.Current.FindApi(apiId) is { IsListed: true } api ? api : throw new SelfServiceException($"There is no published API '{apiId}'.", notFound: true);

    private static string Text(string body, string what)
    {
        body = body.Trim();
        return body.Length is 0 or > MaxBody ? throw new SelfServiceException($"Enter a {what} of 1 to {MaxBody} characters.") : body;
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
