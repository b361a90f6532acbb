using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>TOML syntax errors keep Tomlyn's position, converted to 1-based line and column.</summary>
public sealed class ConfigSyntaxTests
{
    [Fact]
    public void Missing_value_points_at_where_the_value_should_be()
    {
        var result = ConfigAssert.Load("[gateway]\nname = \n");

        var error = ConfigAssert.Single(result, 2, 8, "expecting a value");
        Assert.Equal("test.toml", error.File);
    }

    [Fact]
    public void Garbage_after_a_value_points_at_the_garbage()
    {
        var result = ConfigAssert.Load("[[clusters]]\nid = \"a\" b\n");

        ConfigAssert.Single(result, 2, 10, "`b`");
    }

    [Fact]
    public void Unterminated_table_header_is_reported_on_its_line()
    {
        var result = ConfigAssert.Load("[gateway\nname = \"x\"\n");

        Assert.Null(result.Config);
        Assert.Equal((1, 9), (result.Errors[0].Line, result.Errors[0].Column));
    }

    [Fact]
    public void Redefined_key_points_at_the_second_definition()
    {
        var result = ConfigAssert.Load(ConfigAssert.Minimal + "[gateway]\nname = \"a\"\nname = \"b\"\n");

        ConfigAssert.Single(result, 10, 1, "already defined");
    }

    [Fact]
    public void Syntax_errors_in_one_file_do_not_hide_errors_in_another()
    {
        var result = ConfigLoader.LoadFiles([
            ("a.toml", "[[listeners]\n"),
            ("b.toml", ConfigAssert.Minimal + "[[clusters]]\nid = \"x\"\nendpoints = [\"ftp://x\"]\n"),
        ]);

        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.File == "a.toml" && e.Line == 1);
        Assert.Contains(result.Errors, e => e.File == "b.toml" && e.Line == 10 && e.Message.Contains("http://", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_that_failed_to_parse_suppresses_missing_reference_errors_it_may_have_satisfied()
    {
        // The cluster may well be defined in the broken file; claiming it is missing would mislead.
        var result = ConfigLoader.LoadFiles([
            ("a.toml", "[[clusters]\nid = \"api\"\n"),
            ("b.toml", "[[routes]]\nid = \"r\"\ncluster = \"api\"\npath = \"/\"\n"),
        ]);

        Assert.Null(result.Config);
        Assert.All(result.Errors, e => Assert.Equal("a.toml", e.File));
    }
}
