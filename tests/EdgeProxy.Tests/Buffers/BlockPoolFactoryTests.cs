using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Buffers;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeProxy.Tests.Buffers;

/// <summary>Kestrel's client connections draw on the gateway's block pool, and a body larger than a block crosses intact.</summary>
public sealed class BlockPoolFactoryTests
{
    [Fact]
    public async Task Kestrel_is_given_the_block_pool_and_a_body_of_several_blocks_is_proxied_intact()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(TestGateway.Cluster("up", upstream.Url) + """
            [[routes]]
            id = "all"
            cluster = "up"
            path_prefix = "/"
            """));

        var factory = gateway.Host.Services.GetRequiredService<IMemoryPoolFactory<byte>>();
        Assert.Same(BlockPoolFactory.Instance, factory);
        Assert.Same(BlockMemoryPool.Instance, factory.Create());

        // Three and a half blocks each way on one keep-alive connection, twice: the blocks go back and come out again.
        const int size = BlockMemoryPool.BlockSize * 7 / 2;
        using var client = gateway.Connect();
        var body = new string('b', size);
        var expected = $"{size}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(body)))}";
        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync($"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: {size}\r\n\r\n{body}");
            var uploaded = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10));
            Assert.Equal(expected, uploaded.BodyText);

            await client.SendAsync($"GET /bytes?n={size} HTTP/1.1\r\nHost: a\r\n\r\n");
            var downloaded = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10));
            Assert.Equal(200, downloaded.Status);
            Assert.Equal(size, downloaded.Body.Length);
        }
    }
}
