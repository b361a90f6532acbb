using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Toml;

namespace EdgeProxy.Tests.Config;

/// <summary>
/// The public TOML layer (EdgeProxy.Policy.Toml) as a second user, the load-test runner, sees it: parse a
/// document, read typed and range-checked values, and get every mistake at file:line:column.
/// </summary>
public sealed class TomlTableReaderTests
{
    private const string Text = """
        [server]
        workers = 40
        ratio = 1.5
        timeout = "90s"
        buffer = "2MiB"
        retries = "three"
        """;

    [Fact]
    public void RangeChecks_ReportAtTheValue_AndKeepValuesInside()
    {
        var errors = new List<ConfigError>();
        var root = TomlTreeBuilder.Parse(Text, "t.toml", errors)!;
        var server = new TableReader(root, errors).Table("server")!;

        Assert.Null(server.Int64("workers", 1, 32));
        Assert.Equal(1.5m, server.Decimal("ratio", 0m, 2m));
        Assert.Null(server.Duration("timeout", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        Assert.Equal(2L << 20, server.Size("buffer", 0, 4L << 20));
        Assert.Null(server.Int64("retries", 0, 10));

        Assert.Equal(
        [
            "t.toml:2:11: 'workers' in [server] must be between 1 and 32, found 40",
            "t.toml:4:11: 'timeout' in [server] must be between 1s and 1m, found 1m30s",
            "t.toml:6:11: 'retries' in [server] must be an integer, found the string \"three\"",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void HasDoesNotCountAsAsking_SoFinishStillReportsTheKey()
    {
        var errors = new List<ConfigError>();
        var root = TomlTreeBuilder.Parse("[server]\nworkers = 4\ntimout = \"1s\"\n", "t.toml", errors)!;
        var server = new TableReader(root, errors).Table("server")!;

        Assert.True(server.Has("timout"));
        Assert.Equal(new SourcePosition("t.toml", 3, 10), server.PositionOf("timout"));
        Assert.Equal(new SourcePosition("t.toml", 1, 1), server.PositionOf("absent"));
        Assert.Equal(4, server.Int64("workers"));
        server.Duration("timeout");
        Assert.False(server.Require("name"));
        server.Finish();

        Assert.Equal(
        [
            "t.toml:1:1: missing key 'name' in [server]",
            "t.toml:3:1: unknown key 'timout' in [server]; did you mean 'timeout'?",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void SyntaxErrors_GiveNoTree_AndAPosition()
    {
        var errors = new List<ConfigError>();

        Assert.Null(TomlTreeBuilder.Parse("[server]\nworkers = = 4\n", "bad.toml", errors));
        var error = Assert.Single(errors);
        Assert.Equal(("bad.toml", 2), (error.File, error.Line));
    }
}
