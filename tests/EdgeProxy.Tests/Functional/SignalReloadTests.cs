using System.Diagnostics;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Functional;

/// <summary>SIGHUP reloads. The gateway registers its handler, so the test process survives its own signal.</summary>
public sealed class SignalReloadTests
{
    [Fact]
    public async Task Sighup_reloads_the_config()
    {
        await using var a = await TestUpstream.StartAsync();
        await using var b = await TestUpstream.StartAsync();
        string Route(string cluster) => $"[[routes]]\nid = \"all\"\ncluster = \"{cluster}\"\npath_prefix = \"/\"\n";
        var main = TestGateway.MainToml(TestGateway.Cluster("a", a.Url) + TestGateway.Cluster("b", b.Url));
        await using var gateway = await TestGateway.StartAsync(main, watch: false, ("routes.toml", Route("a")));
        var applied = gateway.Host.Store.ReloadsApplied;

        // No file watcher in this gateway: only the signal can make it notice the change.
        await File.WriteAllTextAsync(Path.Combine(gateway.Directory, "routes.toml"), Route("b"));
        using (var kill = Process.Start("kill", ["-HUP", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await ProxyForwardingTests.WaitForAsync(() => Task.FromResult(gateway.Host.Store.ReloadsApplied > applied), seconds: 5);
        using var client = gateway.Connect();
        await client.SendAsync("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        Assert.Equal(1, b.Requests);
    }
}
