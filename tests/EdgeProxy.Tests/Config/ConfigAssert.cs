using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

/// <summary>Loading helpers and error assertions shared by the config tests.</summary>
internal static class ConfigAssert
{
    /// <summary>One listener and one cluster: the least a config needs, so a test can add just what it checks.</summary>
    public const string Minimal = """
        [[listeners]]
        name = "public"
        listen = "127.0.0.1:8080"

        [[clusters]]
        id = "backend"
        endpoints = ["http://127.0.0.1:9001"]

        """;

    public static ConfigLoadResult Load(string toml, string file = "test.toml") => ConfigLoader.LoadFiles([(file, toml)]);

    /// <summary><see cref="Minimal"/> (lines 1-7) followed by <paramref name="toml"/>, which thus starts on line 8.</summary>
    public static ConfigLoadResult LoadWithMinimal(string toml) => Load(Minimal + toml);

    public static GatewayConfig Valid(ConfigLoadResult result)
    {
        Assert.True(result.Errors.Count == 0, "unexpected errors:\n" + string.Join('\n', result.Errors));
        Assert.NotNull(result.Config);
        return result.Config;
    }

    /// <summary>Asserts that the only error is at <paramref name="line"/>:<paramref name="column"/> and mentions every fragment.</summary>
    public static ConfigError Single(ConfigLoadResult result, int line, int column, params string[] fragments)
    {
        Assert.Null(result.Config);
        Assert.True(result.Errors.Count == 1, "expected one error, got:\n" + string.Join('\n', result.Errors));
        return Has(result, line, column, fragments);
    }

    /// <summary>Asserts that some error is at <paramref name="line"/>:<paramref name="column"/> and mentions every fragment.</summary>
    public static ConfigError Has(ConfigLoadResult result, int line, int column, params string[] fragments)
    {
        Assert.Null(result.Config);
        foreach (var error in result.Errors)
        {
            if (error.Line == line && error.Column == column && fragments.All(f => error.Message.Contains(f, StringComparison.Ordinal)))
            {
                return error;
            }
        }

        Assert.Fail($"no error at {line}:{column} mentioning [{string.Join(", ", fragments)}]; errors:\n{string.Join('\n', result.Errors)}");
        return null!;
    }

    /// <summary>Asserts an error mentioning every fragment exists, wherever it is.</summary>
    public static ConfigError HasMessage(ConfigLoadResult result, params string[] fragments)
    {
        Assert.Null(result.Config);
        var match = result.Errors.FirstOrDefault(e => fragments.All(f => e.Message.Contains(f, StringComparison.Ordinal)));
        Assert.True(match is not null, $"no error mentioning [{string.Join(", ", fragments)}]; errors:\n{string.Join('\n', result.Errors)}");
        return match;
    }
}
