using System.Text;
using Dapper;
using EdgeProxy.Manager.Data;

namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// The catalog's search: an FTS5 index of listed APIs (title, summary, tags, owner, version changelogs), rebuilt
/// whenever the policy table changes, ranked by bm25 with the title weighted highest; then tag/owner/state filters.
/// </summary>
public sealed class CatalogSearch
{
    private readonly ManagerDatabase _database;
    private readonly PolicyTable _table;
    private readonly Lock _gate = new();
    private string _indexedStamp = "\0";

    public CatalogSearch(ManagerDatabase database, PolicyTable table)
    {
        _database = database;
        _table = table;
    }

    public void Refresh()
    {
        var snapshot = _table.Current;
        lock (_gate)
        {
            if (snapshot.Stamp == _indexedStamp)
            {
                return;
            }

            using var connection = _database.Open();
            using var transaction = connection.BeginTransaction();
            connection.Execute("DELETE FROM catalog_search", transaction: transaction);
            foreach (var api in snapshot.Apis)
            {
                if (!api.IsListed)
                {
                    continue;
                }

                var body = new StringBuilder();
                foreach (var version in api.Versions)
                {
                    body.Append(version.Version).Append(' ').Append(version.Changelog).Append(' ');
                }

                connection.Execute(
                    "INSERT INTO catalog_search (api_id, title, summary, tags, owner, body) VALUES (@Id, @Title, @Summary, @tags, @Owner, @body)",
                    new { api.Id, api.Title, api.Summary, tags = string.Join(' ', api.Tags), api.Owner, body = body.ToString() },
                    transaction);
            }

            transaction.Commit();
            _indexedStamp = snapshot.Stamp;
        }
    }

    /// <summary>Listed APIs matching the query (all when empty) and filters, most relevant first.</summary>
    public IReadOnlyList<CatalogApi> Search(string? query, string? tag, string? owner, string? state)
    {
        Refresh();
        var snapshot = _table.Current;
        IEnumerable<CatalogApi> found;
        if (string.IsNullOrWhiteSpace(query))
        {
            found = snapshot.Apis.Where(a => a.IsListed).OrderBy(a => a.Title, StringComparer.OrdinalIgnoreCase);
        }
        else
        {
            using var connection = _database.Open();
            // bm25 weights per column (api_id, title, summary, tags, owner, body); lower is better.
            var ids = connection.Query<string>(
                "SELECT api_id FROM catalog_search WHERE catalog_search MATCH @match ORDER BY bm25(catalog_search, 0.0, 10.0, 4.0, 6.0, 2.0, 1.0)",
                new { match = MatchExpression(query) }).ToList();
            found = ids.Select(snapshot.FindApi).OfType<CatalogApi>();
        }

        return [.. found.Where(a =>
            (string.IsNullOrEmpty(tag) || a.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
            && (string.IsNullOrEmpty(owner) || string.Equals(a.Owner, owner, StringComparison.OrdinalIgnoreCase))
            && (string.IsNullOrEmpty(state) || a.Versions.Any(v => v.State == state)))];
    }

    // Each word a quoted prefix term: what people type is never read as FTS5 syntax (AND, NEAR, column filters).
    private static string MatchExpression(string query)
    {
        var terms = new List<string>();
        foreach (var word in query.Split((char[])[' ', '\t', '-', '_', '/', '.', ',', ':'], StringSplitOptions.RemoveEmptyEntries))
        {
            terms.Add("\"" + word.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"*");
        }

        return terms.Count == 0 ? "\"\"" : string.Join(" OR ", terms);
    }
}
