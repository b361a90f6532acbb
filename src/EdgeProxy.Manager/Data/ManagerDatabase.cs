using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Data;

/// <summary>
/// The manager's state: one SQLite file, <c>manager.db</c>, in the data directory. Every caller opens its own
/// connection (pooled by Microsoft.Data.Sqlite); WAL lets the pages read while a write is in progress.
/// </summary>
public sealed class ManagerDatabase
{
    public ManagerDatabase(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        Path = System.IO.Path.Combine(dataDirectory, "manager.db");
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            DefaultTimeout = 10,
        }.ToString();
        DateTimeOffsetHandler.Register();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Brings the file to the newest schema; returns the schema version it has afterwards.</summary>
    public int Migrate()
    {
        using var connection = Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        return Migrations.Apply(connection);
    }
}
