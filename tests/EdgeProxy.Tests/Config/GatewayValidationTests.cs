namespace EdgeProxy.Tests.Config;

/// <summary><c>[gateway]</c>, <c>[limits]</c>, <c>[admin]</c>. Snippets start on line 8, after <see cref="ConfigAssert.Minimal"/>.</summary>
public sealed class GatewayValidationTests
{
    [Fact]
    public void Unknown_key_suggests_the_nearest_known_key()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\nacess_log = \"off\"\n");

        var error = ConfigAssert.Single(result, 9, 1);
        Assert.Equal("unknown key 'acess_log' in [gateway]; did you mean 'access_log'?", error.Message);
    }

    [Fact]
    public void Unknown_key_without_a_near_match_lists_the_known_keys()
    {
        var result = ConfigAssert.LoadWithMinimal("[admin]\nport = 9901\n");

        ConfigAssert.Single(result, 9, 1, "unknown key 'port' in [admin]; expected one of: listen");
    }

    [Fact]
    public void Unknown_top_level_table_suggests_the_right_one()
    {
        var result = ConfigAssert.LoadWithMinimal("[limit]\nmax_headers = 5\n");

        ConfigAssert.Single(result, 8, 2, "unknown key 'limit' at the top level; did you mean 'limits'?");
    }

    [Fact]
    public void Single_brackets_for_an_array_section_say_how_to_write_it()
    {
        var result = ConfigAssert.Load("[listeners]\nname = \"public\"\n");

        Assert.Equal(2, result.Errors.Count);
        ConfigAssert.Has(result, 1, 1, "'listeners' at the top level must be an array of tables (write [[listeners]], with double brackets), found a table");
        ConfigAssert.Has(result, 1, 1, "no [[listeners]] defined");
    }

    [Fact]
    public void Unknown_log_level_lists_the_levels()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\nlog_level = \"verbose\"\n");

        ConfigAssert.Single(result, 9, 13, "'log_level' in [gateway] must be one of trace, debug, info, warning, error, critical, off, found \"verbose\"");
    }

    [Fact]
    public void Control_characters_from_the_file_are_escaped_in_messages()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\nname = \"a\\nb\\u001b[31m\"\n");

        var error = ConfigAssert.Single(result, 9, 8, "HTTP token");
        Assert.Contains("\"a\\nb\\u001B[31m\"", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Message, char.IsControl);
    }

    [Fact]
    public void Wrong_type_says_what_was_expected_and_what_was_found()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\nname = 5\n");

        var error = ConfigAssert.Single(result, 9, 8);
        Assert.Equal("'name' in [gateway] must be a string, found the integer 5", error.Message);
    }

    [Fact]
    public void Name_must_be_a_token_because_it_goes_into_via()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\nname = \"edge proxy\"\n");

        ConfigAssert.Single(result, 9, 8, "HTTP token", "\"edge proxy\"");
    }

    [Fact]
    public void Durations_must_be_positive_and_well_formed()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\ndrain_timeout = \"0s\"\nreload_debounce = \"soon\"\n");

        Assert.Equal(2, result.Errors.Count);
        ConfigAssert.Has(result, 9, 17, "'drain_timeout' in [gateway] must be greater than zero, found 0s");
        ConfigAssert.Has(result, 10, 19, "must be a duration like \"250ms\"", "found the string \"soon\"");
    }

    [Fact]
    public void Trusted_proxies_are_cidrs_or_addresses_each_error_at_its_item()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.1.2.3/8\", \"bogus\", 7]\n");

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 9, 34, "\"10.1.2.3/8\"", "write \"10.0.0.0/8\" for the range");
        ConfigAssert.Has(result, 9, 48, "CIDR ranges", "\"bogus\"");
        ConfigAssert.Has(result, 9, 57, "must be an array of strings, but item 4 is the integer 7");
    }

    [Fact]
    public void Bare_addresses_become_single_host_ranges()
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[gateway]\ntrusted_proxies = [\"10.0.0.7\", \"::1\", \"192.168.0.0/16\"]\n"));

        Assert.Equal(["10.0.0.7/32", "::1/128", "192.168.0.0/16"], config.Gateway.TrustedProxies);
    }

    [Fact]
    public void Access_log_path_is_resolved_against_the_declaring_file()
    {
        using var dir = new TempConfigDirectory();
        var file = Path.Combine(dir.Path, "conf", "gateway.toml");

        var config = ConfigAssert.Valid(EdgeProxy.Policy.Config.ConfigLoader.LoadFiles([(file, ConfigAssert.Minimal + "[gateway]\naccess_log = \"logs/access.log\"\n")]));
        var off = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[gateway]\naccess_log = \"off\"\n"));

        Assert.Equal(Path.Combine(dir.Path, "conf", "logs", "access.log"), config.Gateway.AccessLog);
        Assert.Equal("off", off.Gateway.AccessLog);
    }

    [Fact]
    public void Access_log_buffer_must_be_positive()
    {
        var result = ConfigAssert.LoadWithMinimal("[gateway]\naccess_log_buffer = 0\n");

        ConfigAssert.Single(result, 9, 21, "'access_log_buffer' in [gateway] must be from 1 to");
    }

    [Theory]
    [InlineData("max_headers = 0", 15, "'max_headers' in [limits] must be from 1 to 10000, found 0")]
    [InlineData("max_headers = 10001", 15, "must be from 1 to 10000, found 10001")]
    [InlineData("max_request_line = 0", 20, "'max_request_line' in [limits] must be from 1")]
    [InlineData("max_header_bytes = \"4GiB\"", 20, "too large")]
    [InlineData("max_body = -1", 12, "'max_body' in [limits] must not be negative, found -1")]
    [InlineData("header_timeout = 0", 18, "must be greater than zero")]
    [InlineData("keepalive_timeout = \"-1s\"", 21, "must be a duration")]
    [InlineData("max_headers = \"100\"", 15, "must be an integer, found the string \"100\"")]
    [InlineData("max_headers = 1.5", 15, "must be an integer, found the float 1.5")]
    public void Limits_are_checked(string line, int column, string message)
    {
        var result = ConfigAssert.LoadWithMinimal($"[limits]\n{line}\n");

        ConfigAssert.Single(result, 9, column, message);
    }

    [Fact]
    public void Limits_accept_sizes_with_units()
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal("[limits]\nmax_request_line = \"4KiB\"\nmax_header_bytes = 16384\nmax_body = \"1GB\"\n"));

        Assert.Equal(4096, config.Limits.MaxRequestLineBytes);
        Assert.Equal(16384, config.Limits.MaxHeaderBytes);
        Assert.Equal(1_000_000_000, config.Limits.MaxBodyBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:9901")]
    [InlineData("localhost:9901")]
    [InlineData("[::1]:9901")]
    public void Admin_listen_may_be_empty_or_an_address(string listen)
    {
        var config = ConfigAssert.Valid(ConfigAssert.LoadWithMinimal($"[admin]\nlisten = \"{listen}\"\n"));

        Assert.Equal(listen, config.Admin.Listen);
    }

    [Fact]
    public void Admin_listen_must_be_an_ip_or_localhost()
    {
        var result = ConfigAssert.LoadWithMinimal("[admin]\nlisten = \"admin.internal:9901\"\n");

        ConfigAssert.Single(result, 9, 10, "'listen' in [admin]", "'admin.internal' is not an IP address or localhost");
    }
}
