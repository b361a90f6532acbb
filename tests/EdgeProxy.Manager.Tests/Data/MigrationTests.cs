using Dapper;
using EdgeProxy.Manager.Data;

namespace EdgeProxy.Manager.Tests.Data;

public sealed class MigrationTests
{
    [Fact]
    public void An_empty_directory_migrates_to_the_newest_schema_and_a_second_run_changes_nothing()
    {
        var directory = Path.Combine(Path.GetTempPath(), "edgeproxy-manager-migrate-" + Guid.NewGuid().ToString("N"), "nested");
        try
        {
            var database = new ManagerDatabase(directory);
            Assert.Equal(Migrations.Steps.Length, database.Migrate());
            Assert.True(File.Exists(Path.Combine(directory, "manager.db")));

            using (var connection = database.Open())
            {
                var tables = connection.Query<string>("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name").ToList();
                foreach (var expected in (string[])["users", "apps", "subscriptions", "api_keys", "audit_log", "settings", "catalog_search", "audit_log_no_update", "audit_log_no_delete", "api_comments", "problem_reports"])
                {
                    Assert.Contains(expected, tables);
                }

                connection.Execute("INSERT INTO settings (key, value) VALUES ('marker', 'kept')");
            }

            // A restart on the same file: nothing re-applied, data kept.
            var again = new ManagerDatabase(directory);
            Assert.Equal(Migrations.Steps.Length, again.Migrate());
            using var reopened = again.Open();
            Assert.Equal("kept", reopened.ExecuteScalar<string>("SELECT value FROM settings WHERE key = 'marker'"));
            Assert.Equal("wal", reopened.ExecuteScalar<string>("PRAGMA journal_mode"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }
}
