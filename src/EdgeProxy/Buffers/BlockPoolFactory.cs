using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace EdgeProxy.Buffers;

/// <summary>
/// Gives Kestrel's socket transport the gateway's <see cref="BlockMemoryPool"/> for the client connections' pipes, so
/// both sides of a proxied exchange draw on one pool. Kestrel's own pool has 4 KiB blocks: a response body received
/// straight into the client's output pipe did not fit one and came from the shared array pool unpinned, a 16 KiB body
/// went out as a five-buffer send, and every block crossed between the event threads through one shared queue.
/// </summary>
internal sealed class BlockPoolFactory : IMemoryPoolFactory<byte>
{
    public static BlockPoolFactory Instance { get; } = new();

    /// <summary>The one pool for every transport queue: its thread caches are what make the rent and return cheap.</summary>
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => BlockMemoryPool.Instance;
}
