using System.Net;
using System.Text;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.Tests.Infrastructure;
using EdgeProxy.Policy.Analytics;
using Microsoft.Data.Sqlite;

namespace EdgeProxy.Manager.Tests.Analytics;

/// <summary>
/// Request samples of error records in the manager: scrubbed again before storing (whatever the gateway sent), kept
/// with the error row, shown by the query API and the CSV export, and absent from rows written before migration 10.
/// </summary>
public sealed class RequestSampleTests
{
    /// <summary>A gateway config that names its own API-key header and query parameter (no fragment of the rule in either).</summary>
    private static string ConfigDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("edgeproxy-manager-samples-").FullName;
        File.WriteAllText(Path.Combine(directory, "edgeproxy.toml"), """
            [gateway]
            access_log = "off"

            [[listeners]]
            name = "public"
            listen = "127.0.0.1:0"

            [api_keys]
            header = "X-Partner"
            query_parameter = "partner"

            [[clusters]]
            id = "backend"
            endpoints = ["http://127.0.0.1:9"]

            [[routes]]
            id = "orders"
            cluster = "backend"
            path_prefix = "/orders"
            """);
        return directory;
    }

    /// <summary>A sample in wire form with every value as given: what an older or careless gateway could send.</summary>
    private static byte[] Unscrubbed(string target, params (string Name, string Value)[] headers)
    {
        var bytes = new List<byte>();
        var t = Encoding.ASCII.GetBytes(target);
        bytes.AddRange([(byte)(t.Length | 0x80), (byte)(t.Length >> 7)]);
        bytes.AddRange(t);
        bytes.Add(0); // target flags
        bytes.Add((byte)headers.Length);
        foreach (var (name, value) in headers)
        {
            bytes.Add((byte)name.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(name));
            bytes.Add(0); // not redacted, not cut
            bytes.Add((byte)value.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(value));
        }

        bytes.Add(0); // omitted
        return [.. bytes];
    }

    private static readonly string[] Leaks = ["LEAK-H1", "LEAK-H2", "LEAK-H3", "LEAK-Q1", "LEAK-Q2"];

    [Fact]
    public async Task A_sample_the_gateway_did_not_scrub_is_scrubbed_again_and_no_secret_reaches_the_database_file()
    {
        var config = ConfigDirectory();
        var manager = await TestManager.StartAsync(config, analytics: new AnalyticsSettings { Secret = BatchBuilder.Secret });
        try
        {
            var at = DateTimeOffset.UtcNow;
            var builder = new BatchBuilder()
                .Add(at, "orders", "", 502, 1000, error: AnalyticsErrorKind.ConnectRefused, requestId: "sampled-1")
                .WithSample(Unscrubbed("/orders/7?partner=LEAK-Q1&page=2&token=LEAK-Q2",
                    ("Host", "api.example"), ("Authorization", "Bearer LEAK-H1"), ("X-Partner", "LEAK-H2"), ("Cookie", "sid=LEAK-H3"), ("X-Custom", "visible-7f3a")))
                .Add(at, "orders", "", 502, 1000, error: AnalyticsErrorKind.ConnectRefused, requestId: "unsampled-2");
            using var ingest = manager.Client();
            Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);

            using var admin = await manager.AdminAsync();
            var range = AnalyticsTestHost.Around(at);
            var group = Assert.Single(await AnalyticsTestHost.GetAsync<List<ErrorGroup>>(admin, "/api/analytics/errors?" + range));
            var examples = group.Examples.ToDictionary(e => e.RequestId);
            Assert.Null(examples["unsampled-2"].Request);
            var sample = examples["sampled-1"].Request!;
            Assert.Equal("/orders/7?partner=[redacted]&page=2&token=[redacted]", sample.Target);
            Assert.Equal(
                [("Host", "api.example", false), ("Authorization", "[redacted]", true), ("X-Partner", "[redacted]", true), ("Cookie", "[redacted]", true), ("X-Custom", "visible-7f3a", false)],
                sample.Headers.Select(h => (h.Name, h.Value, h.Redacted)));

            // The JSON and CSV exports say the same, and carry no secret either.
            var json = await admin.GetStringAsync("/api/analytics/errors?" + range);
            Assert.Contains("visible-7f3a", json, StringComparison.Ordinal);
            var csv = await admin.GetStringAsync("/api/analytics/errors?format=csv&" + range);
            Assert.Contains("GET /orders/7?partner=[redacted]&page=2&token=[redacted]", csv, StringComparison.Ordinal);
            Assert.All(Leaks, leak => Assert.DoesNotContain(leak, json + csv, StringComparison.Ordinal));

            // The file itself (and its write-ahead log): the visible value is there, no secret is.
            var bytes = DatabaseBytes(manager.DataDirectory);
            Assert.Contains("visible-7f3a", bytes, StringComparison.Ordinal);
            Assert.All(Leaks, leak => Assert.DoesNotContain(leak, bytes, StringComparison.Ordinal));
        }
        finally
        {
            await manager.DisposeAsync();
            Directory.Delete(config, recursive: true);
        }
    }

    /// <summary>Every byte of the manager's SQLite files, read raw (Latin-1, so any byte sequence is text to search).</summary>
    public static string DatabaseBytes(string dataDirectory)
    {
        var text = new StringBuilder();
        foreach (var file in Directory.GetFiles(dataDirectory, "manager.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            text.Append(Encoding.Latin1.GetString(memory.ToArray()));
        }

        return text.ToString();
    }

    [Fact]
    public async Task Error_rows_from_before_migration_10_read_without_a_sample_and_new_ones_carry_theirs()
    {
        var config = ConfigDirectory();
        var data = Path.Combine(config, "data");
        Directory.CreateDirectory(data);
        var at = DateTimeOffset.UtcNow;

        // A file as the manager left it before this step: nine steps applied, one error row.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "manager.db")};Pooling=False"))
        {
            connection.Open();
            for (var step = 0; step < 9; step++)
            {
                using var command = connection.CreateCommand();
                command.CommandText = Migrations.Steps[step] + $"\nPRAGMA user_version = {step + 1};";
                command.ExecuteNonQuery();
            }

            using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO analytics_errors (request_id, at_us, route, api, consumer, upstream, method, status, error_kind, policy, total_us, gateway_id)
                VALUES ('old-1', $at, 'orders', '', '', 'http://10.0.0.1:80', 'GET', 502, 'connect_refused', '', 10, 'gw-old')
                """;
            insert.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds() * 1000 - 1000);
            insert.ExecuteNonQuery();
        }

        var manager = await TestManager.StartAsync(config, dataDirectory: data, analytics: new AnalyticsSettings { Secret = BatchBuilder.Secret });
        try
        {
            using var ingest = manager.Client();
            var builder = new BatchBuilder()
                .Add(at, "orders", "", 502, 1000, error: AnalyticsErrorKind.ConnectRefused, requestId: "new-1")
                .WithSample(Unscrubbed("/orders/1", ("X-Custom", "v")));
            Assert.Equal(HttpStatusCode.OK, (await BatchBuilder.PostAsync(ingest, builder.Encode(sequence: 1))).StatusCode);
            using var admin = await manager.AdminAsync();
            var group = Assert.Single(await AnalyticsTestHost.GetAsync<List<ErrorGroup>>(admin, "/api/analytics/errors?" + AnalyticsTestHost.Around(at)));
            Assert.Equal(2, group.Count);
            var examples = group.Examples.ToDictionary(e => e.RequestId);
            Assert.Null(examples["old-1"].Request);
            Assert.Equal("/orders/1", examples["new-1"].Request!.Target);
            using var check = new ManagerDatabase(data).Open();
            using var version = check.CreateCommand();
            version.CommandText = "PRAGMA user_version";
            Assert.Equal((long)Migrations.Steps.Length, (long)version.ExecuteScalar()!);
        }
        finally
        {
            await manager.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(config, recursive: true);
        }
    }
}
