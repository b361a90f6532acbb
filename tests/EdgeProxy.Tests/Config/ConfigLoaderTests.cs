using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

public sealed class ConfigLoaderTests
{
    private const string Listener = """
        [[listeners]]
        name = "public"
        listen = "127.0.0.1:8080"
        """;

    [Fact]
    public void Directory_files_merge_in_relative_path_order()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("b.toml", """
            [[routes]]
            id = "b"
            cluster = "one"
            path = "/b"

            [[clusters]]
            id = "two"
            endpoints = ["http://127.0.0.1:9002"]
            """);
        dir.Write("a.toml", Listener + """

            [[clusters]]
            id = "one"
            endpoints = ["http://127.0.0.1:9001"]

            [[routes]]
            id = "a"
            cluster = "two"
            path = "/a"
            """);
        dir.Write("sub/c.toml", """
            [[routes]]
            id = "c"
            cluster = "one"
            path_prefix = "/c"

            [limits]
            max_headers = 50
            """);

        var result = ConfigLoader.Load(dir.Path);

        var config = ConfigAssert.Valid(result);
        Assert.Equal(["a.toml", "b.toml", "c.toml"], result.Files.Select(f => Path.GetFileName(f)!));
        Assert.Equal(["one", "two"], config.Clusters.Select(c => c.Id));
        Assert.Equal(["a", "b", "c"], config.Routes.Select(r => r.Id));
        Assert.Equal(50, config.Limits.MaxHeaderCount);
    }

    [Fact]
    public void Singleton_section_in_two_files_is_an_error_at_the_second_naming_the_first()
    {
        var result = ConfigLoader.LoadFiles([
            ("a.toml", Listener + "\n[limits]\nmax_headers = 10\n"),
            ("b.toml", "# other\n[limits]\nmax_headers = 20\n"),
        ]);

        ConfigAssert.Single(result, 2, 1, "[limits] is already defined in a.toml (line 4)", "only one file");
        Assert.Equal("b.toml", result.Errors[0].File);
    }

    [Fact]
    public void Single_file_path_loads_that_file()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("only.toml", ConfigAssert.Minimal);
        dir.Write("ignored.toml", "this is not toml");

        var result = ConfigLoader.Load(file);

        ConfigAssert.Valid(result);
        Assert.Equal([file], result.Files);
    }

    [Fact]
    public void Hidden_files_and_directories_are_skipped()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("main.toml", ConfigAssert.Minimal);
        dir.Write(".backup.toml", ConfigAssert.Minimal);
        dir.Write("..data/main.toml", ConfigAssert.Minimal);

        var result = ConfigLoader.Load(dir.Path);

        ConfigAssert.Valid(result);
        Assert.Single(result.Files);
    }

    [Fact]
    public void Missing_path_and_empty_directory_are_errors()
    {
        using var dir = new TempConfigDirectory();
        var missing = Path.Combine(dir.Path, "nope");

        var notFound = ConfigLoader.Load(missing);
        var empty = ConfigLoader.Load(dir.Path);

        Assert.Equal($"{missing}:1:1: no such file or directory", Assert.Single(notFound.Errors).ToString());
        Assert.Contains("no *.toml files", Assert.Single(empty.Errors).Message, StringComparison.Ordinal);
        Assert.Null(empty.Config);
    }

    [Fact]
    public void Unreadable_file_is_an_error_at_1_1_with_the_io_message()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("a.toml", ConfigAssert.Minimal);

        // A dangling symlink cannot be read whatever user the tests run as (root ignores permission bits).
        var dangling = Path.Combine(dir.Path, "b.toml");
        File.CreateSymbolicLink(dangling, Path.Combine(dir.Path, "gone.toml"));

        var result = ConfigLoader.Load(dir.Path);

        Assert.Null(result.Config);
        var error = Assert.Single(result.Errors);
        Assert.Equal((dangling, 1, 1), (error.File, error.Line, error.Column));
        Assert.StartsWith("cannot read the file: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, result.Files.Count);
    }

    [Fact]
    public void Version_depends_on_names_and_contents_only()
    {
        var a = ConfigLoader.LoadFiles([("a.toml", ConfigAssert.Minimal)]);
        var same = ConfigLoader.LoadFiles([("a.toml", ConfigAssert.Minimal)]);
        var renamed = ConfigLoader.LoadFiles([("b.toml", ConfigAssert.Minimal)]);
        var edited = ConfigLoader.LoadFiles([("a.toml", ConfigAssert.Minimal + "# comment\n")]);

        Assert.Matches("^[0-9a-f]{16}$", a.Version);
        Assert.Equal(a.Version, same.Version);
        Assert.NotEqual(a.Version, renamed.Version);
        Assert.NotEqual(a.Version, edited.Version);
    }

    [Fact]
    public void Directory_version_uses_relative_names_so_a_moved_directory_keeps_its_version()
    {
        using var one = new TempConfigDirectory();
        using var two = new TempConfigDirectory();
        one.Write("routes/a.toml", ConfigAssert.Minimal);
        two.Write("routes/a.toml", ConfigAssert.Minimal);

        Assert.Equal(ConfigLoader.Load(one.Path).Version, ConfigLoader.Load(two.Path).Version);
    }

    [Fact]
    public void Error_to_string_is_file_line_column_message()
    {
        Assert.Equal("conf/a.toml:3:7: boom", new ConfigError("conf/a.toml", 3, 7, "boom").ToString());
    }

    [Fact]
    public void Errors_from_every_file_are_reported_together_and_in_file_order()
    {
        var result = ConfigLoader.LoadFiles([
            ("a.toml", Listener + "\n[[clusters]]\nid = \"c\"\nendpoint = []\n"),
            ("b.toml", "[[routes]]\nid = \"r\"\ncluster = \"c\"\npath = \"nope\"\n"),
            ("c.toml", "[gateway]\ndrain_timeout = \"soon\"\n"),
        ]);

        Assert.Null(result.Config);
        Assert.Equal(
            ["a.toml:4:1", "a.toml:6:1", "b.toml:4:8", "c.toml:2:17"],
            result.Errors.Select(e => $"{e.File}:{e.Line}:{e.Column}"));
    }
}
