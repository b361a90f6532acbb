using EdgeProxy.Policy.Config;

namespace EdgeProxy.Tests.Config;

public sealed class ListenerValidationTests
{
    private const string Cluster = "[[clusters]]\nid = \"backend\"\nendpoints = [\"http://127.0.0.1:9001\"]\n";

    private static ConfigLoadResult LoadListeners(string listeners) => ConfigAssert.Load(Cluster + listeners);

    [Fact]
    public void At_least_one_listener_is_required()
    {
        var result = ConfigAssert.Load(Cluster);

        ConfigAssert.Single(result, 1, 1, "no [[listeners]] defined");
    }

    [Theory]
    [InlineData("127.0.0.1:8080")]
    [InlineData("0.0.0.0:1")]
    [InlineData("localhost:65535")]
    [InlineData("[::1]:8443")]
    [InlineData("[::]:80")]
    [InlineData("127.0.0.1:0")]
    public void Valid_listen_addresses(string listen)
    {
        ConfigAssert.Valid(LoadListeners($"[[listeners]]\nname = \"l\"\nlisten = \"{listen}\"\n"));
    }

    [Theory]
    [InlineData("127.0.0.1", "no ':port'")]
    [InlineData("127.0.0.1:65536", "is not a number from 0 (any free port) to 65535")]
    [InlineData("127.0.0.1:http", "is not a number from 0 (any free port) to 65535")]
    [InlineData("1.2.3:80", "not an IP address or localhost")]
    [InlineData("::1:8080", "IPv6 address must be written in brackets")]
    [InlineData("[1.2.3.4]:80", "not a bracketed IPv6 address")]
    [InlineData("gateway.local:80", "'gateway.local' is not an IP address or localhost")]
    [InlineData(":8080", "host is missing")]
    public void Invalid_listen_addresses_say_what_is_wrong(string listen, string problem)
    {
        var result = LoadListeners($"[[listeners]]\nname = \"l\"\nlisten = \"{listen}\"\n");

        ConfigAssert.Single(result, 6, 10, "'listen' in [[listeners]] must be host:port", problem);
    }

    [Fact]
    public void Name_and_listen_are_required_and_reported_at_the_header()
    {
        var result = LoadListeners("[[listeners]]\nport = 80\n");

        Assert.Equal(3, result.Errors.Count);
        ConfigAssert.Has(result, 4, 1, "missing key 'name' in [[listeners]]");
        ConfigAssert.Has(result, 4, 1, "missing key 'listen' in [[listeners]]");
        ConfigAssert.Has(result, 5, 1, "unknown key 'port'");
    }

    [Fact]
    public void Duplicate_names_and_addresses_point_at_the_second_and_name_the_first()
    {
        var result = LoadListeners(
            "[[listeners]]\nname = \"public\"\nlisten = \"127.0.0.1:8080\"\n" +
            "[[listeners]]\nname = \"public\"\nlisten = \"127.0.0.1:8080\"\n");

        Assert.Equal(2, result.Errors.Count);
        ConfigAssert.Has(result, 8, 8, "duplicate listener name \"public\"; it is already used at test.toml:5:8");
        ConfigAssert.Has(result, 9, 10, "duplicate listen address \"127.0.0.1:8080\"; it is already used at test.toml:6:10");
    }

    [Fact]
    public void Port_zero_listeners_never_clash()
    {
        ConfigAssert.Valid(LoadListeners(
            "[[listeners]]\nname = \"a\"\nlisten = \"127.0.0.1:0\"\n" +
            "[[listeners]]\nname = \"b\"\nlisten = \"127.0.0.1:0\"\n"));
    }

    [Fact]
    public void Inline_tls_table_cannot_be_extended_by_a_section()
    {
        var result = LoadListeners("[[listeners]]\nname = \"l\"\nlisten = \"127.0.0.1:8443\"\ntls = { certificate = \"a.pem\" }\n[[listeners.tls.sni]]\nhost = \"a\"\n");

        ConfigAssert.Has(result, 8, 13, "'tls' is an inline table (line 7, column 7)", "cannot be extended");
    }

    [Fact]
    public void Listener_names_follow_the_id_syntax()
    {
        var result = LoadListeners("[[listeners]]\nname = \"my listener\"\nlisten = \"127.0.0.1:8080\"\n");

        ConfigAssert.Single(result, 5, 8, "may contain only letters, digits, '.', '_' and '-'");
    }

    [Fact]
    public void Admin_port_may_not_reuse_a_listener_address()
    {
        var result = LoadListeners("[admin]\nlisten = \"127.0.0.1:8080\"\n[[listeners]]\nname = \"l\"\nlisten = \"127.0.0.1:8080\"\n");

        ConfigAssert.Single(result, 5, 10, "[admin] listens on 127.0.0.1:8080, which listener 'l' already uses");
    }

    [Fact]
    public void Tls_files_resolve_against_the_declaring_file_and_must_exist()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("certs/server.pem", "cert");
        dir.Write("certs/server.key", "key");
        dir.Write("certs/api.pem", "cert");
        dir.Write("certs/api.key", "key");
        dir.Write("gateway.toml", Cluster + """
            [[listeners]]
            name = "tls"
            listen = "127.0.0.1:8443"
            [listeners.tls]
            certificate = "certs/server.pem"
            key = "certs/server.key"
            [[listeners.tls.sni]]
            host = "API.example.com"
            certificate = "certs/api.pem"
            key = "certs/api.key"
            """);

        var config = ConfigAssert.Valid(ConfigLoader.Load(dir.Path));

        var tls = config.Listeners[0].Tls!;
        Assert.Equal(Path.Combine(dir.Path, "certs", "server.pem"), tls.CertificateFile);
        Assert.Equal(Path.Combine(dir.Path, "certs", "server.key"), tls.KeyFile);
        Assert.Null(tls.ClientCaFile);
        var sni = Assert.Single(tls.Sni);
        Assert.Equal("api.example.com", sni.Host);
        Assert.Equal(Path.Combine(dir.Path, "certs", "api.pem"), sni.CertificateFile);
    }

    [Fact]
    public void Tls_errors_point_at_each_bad_value()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("server.pem", "cert");
        var file = dir.Write("gateway.toml", Cluster + """
            [[listeners]]
            name = "tls"
            listen = "127.0.0.1:8443"
            [listeners.tls]
            certificate = "server.pem"
            client_ca = "missing-ca.pem"
            sni = [{ host = "bad host", certificate = "server.pem", key = "" }]
            """);

        var result = ConfigLoader.Load(file);

        Assert.Equal(4, result.Errors.Count);
        ConfigAssert.Has(result, 7, 1, "missing key 'key' in [listeners.tls]");
        ConfigAssert.Has(result, 9, 13, "'client_ca' in [listeners.tls] names " + Path.Combine(dir.Path, "missing-ca.pem"), "does not exist");
        ConfigAssert.Has(result, 10, 17, "'host' in [[listeners.tls.sni]] must be a host name", "\"bad host\"");
        ConfigAssert.Has(result, 10, 63, "'key' in [[listeners.tls.sni]] must not be empty");
    }
}
