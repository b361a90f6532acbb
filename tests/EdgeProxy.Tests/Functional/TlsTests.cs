using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Tests.Functional;

/// <summary>TLS on both sides: listener certificates chosen by SNI, client certificates (mTLS), TLS upstreams.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certs = new();
    private TestUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await TestUpstream.StartAsync();

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _certs.Dispose();
    }

    private static string Toml(string path) => path.Replace("\\", "\\\\", StringComparison.Ordinal);

    private async Task<TestGateway> StartTlsGatewayAsync(string extraTls = "")
    {
        var main = _certs.Issue("main.test");
        var sni = _certs.Issue("api.sni.test", true, "api.sni.test");
        return await TestGateway.StartAsync($$"""
            [gateway]
            access_log = "off"

            [admin]
            listen = "127.0.0.1:0"

            [[listeners]]
            name = "public"
            listen = "127.0.0.1:0"

            [listeners.tls]
            certificate = "{{Toml(main.Certificate)}}"
            key = "{{Toml(main.Key)}}"
            {{extraTls}}

            [[listeners.tls.sni]]
            host = "api.sni.test"
            certificate = "{{Toml(sni.Certificate)}}"
            key = "{{Toml(sni.Key)}}"

            [[clusters]]
            id = "up"
            endpoints = ["{{_upstream.Url}}"]

            [[routes]]
            id = "all"
            cluster = "up"
            path_prefix = "/"
            """);
    }

    private async Task<(SslStream Stream, X509Certificate? Remote)> HandshakeAsync(TestGateway gateway, string host, X509Certificate2? clientCertificate = null)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.Endpoint);
        var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) => certificate is not null && _certs.IsSignedByCa(certificate));
        var options = new SslClientAuthenticationOptions { TargetHost = host, EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 };
        if (clientCertificate is not null)
        {
            options.ClientCertificates = [clientCertificate];
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ssl.AuthenticateAsClientAsync(options, cts.Token);
        return (ssl, ssl.RemoteCertificate);
    }

    private static async Task<string> GetAsync(SslStream ssl, string path)
    {
        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(ssl);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Tls_listener_proxies_and_reports_https_upstream()
    {
        await using var gateway = await StartTlsGatewayAsync();
        var (ssl, remote) = await HandshakeAsync(gateway, "main.test");
        await using (ssl)
        {
            Assert.Contains("CN=main.test", remote!.Subject);
            var response = await GetAsync(ssl, "/echo");
            Assert.StartsWith("HTTP/1.1 200", response);
            Assert.Contains("\"x-forwarded-proto\":\"https\"", response);
        }
    }

    [Fact]
    public async Task Sni_selects_the_certificate_for_the_host()
    {
        await using var gateway = await StartTlsGatewayAsync();
        var (ssl, remote) = await HandshakeAsync(gateway, "api.sni.test");
        await using (ssl)
        {
            Assert.Contains("CN=api.sni.test", remote!.Subject);
        }
    }

    [Fact]
    public async Task Tls_below_1_2_is_refused()
    {
        await using var gateway = await StartTlsGatewayAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.Endpoint);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
#pragma warning disable SYSLIB0039 // deliberately old protocol
        var options = new SslClientAuthenticationOptions { TargetHost = "main.test", EnabledSslProtocols = SslProtocols.Tls11 };
#pragma warning restore SYSLIB0039
        await Assert.ThrowsAnyAsync<Exception>(() => ssl.AuthenticateAsClientAsync(options));
    }

    [Fact]
    public async Task Mutual_tls_requires_a_client_certificate_from_the_ca()
    {
        await using var gateway = await StartTlsGatewayAsync($"client_ca = \"{Toml(_certs.CaFile)}\"");
        var client = _certs.Issue("client-1", server: false);
        var (ssl, _) = await HandshakeAsync(gateway, "main.test", client.Loaded);
        await using (ssl)
        {
            Assert.StartsWith("HTTP/1.1 200", await GetAsync(ssl, "/hello"));
        }

        // No certificate: the handshake (or the first exchange, with TLS 1.3's post-handshake alert) fails.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var (anonymous, _) = await HandshakeAsync(gateway, "main.test");
            await using (anonymous)
            {
                var response = await GetAsync(anonymous, "/hello");
                if (!response.StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                {
                    throw new IOException("refused");
                }
            }
        });
    }

    [Fact]
    public async Task Tls_upstream_is_verified_against_the_configured_ca()
    {
        var server = _certs.Issue("upstream.test", true, "upstream.test", "localhost");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo => lo.UseHttps(server.Loaded)));
        await using var app = builder.Build();
        app.Run(context => context.Response.WriteAsync("secure " + context.Request.IsHttps));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml($$"""
            [[clusters]]
            id = "trusted"
            endpoints = ["https://127.0.0.1:{{port}}"]
            tls = { server_name = "upstream.test", ca = "{{Toml(_certs.CaFile)}}" }

            [[clusters]]
            id = "untrusted"
            endpoints = ["https://127.0.0.1:{{port}}"]
            tls = { server_name = "upstream.test" }

            [[routes]]
            id = "trusted"
            cluster = "trusted"
            path_prefix = "/trusted"

            [[routes]]
            id = "untrusted"
            cluster = "untrusted"
            path_prefix = "/untrusted"
            """));
        using var client = gateway.Connect();
        await client.SendAsync("GET /trusted HTTP/1.1\r\nHost: a\r\n\r\n");
        var ok = await client.ReadResponseAsync();
        Assert.Equal("secure True", ok.BodyText);

        await client.SendAsync("GET /trusted/again HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("secure True", (await client.ReadResponseAsync()).BodyText);

        await client.SendAsync("GET /untrusted HTTP/1.1\r\nHost: a\r\n\r\n");
        var refused = await client.ReadResponseAsync();
        Assert.Equal(502, refused.Status);
        Assert.Equal("tls_handshake_failed", JsonDocument.Parse(refused.Body).RootElement.GetProperty("error").GetString());
    }
}
