namespace EdgeProxy.Tests.Config;

/// <summary>Validation never stops at the first problem: one load reports them all (STYLE pattern 2).</summary>
public sealed class ManyErrorsTests
{
    [Fact]
    public void Every_problem_in_a_file_is_reported_in_one_load_in_position_order()
    {
        var result = ConfigAssert.Load("""
            [gateway]
            drain_timeout = "10 sec"
            nmae = "x"

            [limits]
            max_headers = 0

            [[listeners]]
            name = "public"
            listen = "127.0.0.1"

            [[clusters]]
            id = "api"
            endpoints = ["ftp://x"]

            [[routes]]
            id = "a b"
            cluster = "apj"
            path = "/x{id}"
            methods = ["G ET"]
            """);

        Assert.Null(result.Config);
        var expected = new (int Line, int Column, string Start)[]
        {
            (2, 17, "'drain_timeout' in [gateway] must be a duration"),
            (3, 1, "unknown key 'nmae' in [gateway]; did you mean 'name'?"),
            (6, 15, "'max_headers' in [limits] must be from 1 to 10000"),
            (10, 10, "'listen' in [[listeners]] must be host:port"),
            (14, 14, "endpoint \"ftp://x\" in [[clusters]] must be an absolute"),
            (17, 6, "'id' in [[routes]] may contain only"),
            (18, 11, "route 'a b' refers to cluster 'apj'"),
            (19, 8, "'path' \"/x{id}\" in [[routes]] is not valid"),
            (20, 12, "'methods' in [[routes]] must hold HTTP method names"),
        };
        Assert.True(expected.Length == result.Errors.Count, string.Join('\n', result.Errors));
        for (var i = 0; i < expected.Length; i++)
        {
            var error = result.Errors[i];
            Assert.Equal((expected[i].Line, expected[i].Column), (error.Line, error.Column));
            Assert.StartsWith(expected[i].Start, error.Message, StringComparison.Ordinal);
        }
    }
}
