using System.Net;
using System.Net.Http.Json;
using EdgeProxy.Manager.Tests.Infrastructure;

namespace EdgeProxy.Manager.Tests.Accounts;

/// <summary>
/// The <c>Secure</c> attribute of the session and antiforgery cookies: off on plain-HTTP loopback (which must keep
/// working), on when the request came over HTTPS as a trusted TLS-terminating proxy says, on always with
/// <c>--secure-cookies always</c>. The cookies are read off the real responses' Set-Cookie lines.
/// </summary>
public sealed class SecureCookieTests
{
    [Fact]
    public async Task Plain_http_loopback_gets_cookies_without_secure_that_sign_in_and_an_untrusted_forwarded_proto_changes_nothing()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory);
        using var client = RawClient(manager);

        var session = await SignInAsync(client, forwardedProto: null);
        Assert.False(IsSecure(session), session);
        var me = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        me.Headers.Add("Cookie", session.Split(';')[0]);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(me)).StatusCode);
        Assert.False(IsSecure(await AntiforgeryCookieAsync(client, forwardedProto: null)));

        // Anyone can send X-Forwarded-Proto; without --trusted-proxy it is ignored.
        Assert.False(IsSecure(await SignInAsync(client, forwardedProto: "https", email: "other@example.com")));
        Assert.False(IsSecure(await AntiforgeryCookieAsync(client, forwardedProto: "https")));
    }

    [Fact]
    public async Task Behind_a_trusted_tls_terminating_proxy_cookies_are_secure_exactly_when_the_proxy_says_https()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory,
            configure: options => options with { TrustedProxies = [IPAddress.Loopback] });
        using var client = RawClient(manager);

        Assert.True(IsSecure(await SignInAsync(client, forwardedProto: "https")));
        Assert.True(IsSecure(await AntiforgeryCookieAsync(client, forwardedProto: "https")));
        Assert.False(IsSecure(await SignInAsync(client, forwardedProto: "http", email: "plain@example.com")));
        Assert.False(IsSecure(await AntiforgeryCookieAsync(client, forwardedProto: null)));
    }

    [Fact]
    public async Task Secure_cookies_always_marks_every_cookie_secure_even_over_plain_http()
    {
        using var policy = new PolicyFixture();
        await using var manager = await TestManager.StartAsync(policy.Directory, configure: options => options with { AlwaysSecureCookies = true });
        using var client = RawClient(manager);

        Assert.True(IsSecure(await SignInAsync(client, forwardedProto: null)));
        Assert.True(IsSecure(await AntiforgeryCookieAsync(client, forwardedProto: null)));
    }

    [Fact]
    public void The_options_parse_and_reject_bad_values()
    {
        var (options, error) = ManagerOptions.Parse(["--config", "c", "--data", "d", "--secure-cookies", "always", "--trusted-proxy", "10.0.0.2", "--trusted-proxy", "::1"]);
        Assert.Null(error);
        Assert.True(options!.AlwaysSecureCookies);
        Assert.Equal([IPAddress.Parse("10.0.0.2"), IPAddress.IPv6Loopback], options.TrustedProxies);
        Assert.False(ManagerOptions.Parse(["--config", "c", "--data", "d"]).Options!.AlwaysSecureCookies);
        Assert.Equal("--secure-cookies 'yes' is not auto or always", ManagerOptions.Parse(["--config", "c", "--data", "d", "--secure-cookies", "yes"]).Error);
        Assert.Equal("--trusted-proxy 'proxy.local' is not an IP address", ManagerOptions.Parse(["--config", "c", "--data", "d", "--trusted-proxy", "proxy.local"]).Error);
    }

    /// <summary>No cookie jar: every Set-Cookie line stays on the response for the test to read.</summary>
    private static HttpClient RawClient(TestManager manager) =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(manager.BaseUrl),
            Timeout = TimeSpan.FromSeconds(20),
        };

    /// <summary>Signs up and signs in through the JSON API; returns the session cookie's Set-Cookie line.</summary>
    private static async Task<string> SignInAsync(HttpClient client, string? forwardedProto, string email = "dev@example.com")
    {
        const string password = "a long password 123";
        (await client.PostAsJsonAsync("/api/signup", new { email, name = "dev", password })).EnsureSuccessStatusCode();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/session") { Content = JsonContent.Create(new { email, password }) };
        Forward(request, forwardedProto);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return CookieLine(response, "edgeproxy-manager=");
    }

    /// <summary>The antiforgery cookie a page with a form sets.</summary>
    private static async Task<string> AntiforgeryCookieAsync(HttpClient client, string? forwardedProto)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/signin");
        Forward(request, forwardedProto);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return CookieLine(response, ".AspNetCore.Antiforgery.");
    }

    private static void Forward(HttpRequestMessage request, string? proto)
    {
        if (proto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", proto);
            request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        }
    }

    private static string CookieLine(HttpResponseMessage response, string prefix) =>
        response.Headers.TryGetValues("Set-Cookie", out var lines) ? lines.Single(line => line.StartsWith(prefix, StringComparison.Ordinal))
            : throw new InvalidOperationException($"no Set-Cookie on {response.RequestMessage?.RequestUri}");

    private static bool IsSecure(string setCookie) =>
        setCookie.Split(';').Any(attribute => attribute.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase));
}
