using System.Collections.Concurrent;
using System.Net;
using EdgeProxy.Config;
using EdgeProxy.Policies.RateLimiting;

namespace EdgeProxy.Policies;

/// <summary>
/// The first line of defence, before a byte of HTTP is read: open connections per client address and new
/// connections per address per period (<c>[limits] max_connections_per_ip</c>, <c>connection_rate_per_ip</c>).
/// Addresses are keyed like per-IP rate limits (IPv4, or the IPv6 /64). Counts are exact; an address's entry
/// exists only while it has connections open, so the table is bounded by the open connections.
/// </summary>
internal sealed class AcceptLimiter
{
    private readonly ConcurrentDictionary<UInt128, int> _open = new();

    public int TrackedAddresses => _open.Count;

    /// <summary>Admits a connection from <paramref name="address"/> (then call <see cref="Release"/> when it closes), or says why not.</summary>
    public AcceptRefusal TryAdmit(PolicySnapshot snapshot, IPAddress? address, out UInt128 key)
    {
        key = default;
        var limits = snapshot.Limits;
        var rate = snapshot.Access.Limits.Accept;
        if (address is null || (limits.MaxConnectionsPerIp == 0 && rate is null))
        {
            return AcceptRefusal.None;
        }

        Span<byte> partition = stackalloc byte[ClientAddressKey.MaxLength];
        var length = ClientAddressKey.Write(address, partition);
        if (length == 0)
        {
            return AcceptRefusal.None;
        }

        if (rate is not null && !rate.Take(partition[..length], rate.Table.Time.GetTimestamp()).Allowed)
        {
            return AcceptRefusal.ConnectionRate;
        }

        if (limits.MaxConnectionsPerIp == 0)
        {
            return AcceptRefusal.None;
        }

        key = KeyOf(partition[..length]);
        while (true)
        {
            if (_open.TryGetValue(key, out var count))
            {
                if (count >= limits.MaxConnectionsPerIp)
                {
                    key = default;
                    return AcceptRefusal.OpenConnections;
                }

                if (_open.TryUpdate(key, count + 1, count))
                {
                    return AcceptRefusal.None;
                }
            }
            else if (_open.TryAdd(key, 1))
            {
                return AcceptRefusal.None;
            }
        }
    }

    /// <summary>The admitted connection closed; the address's entry goes when its last connection does.</summary>
    public void Release(UInt128 key)
    {
        if (key == default)
        {
            return;
        }

        while (_open.TryGetValue(key, out var count))
        {
            if (count <= 1 ? _open.TryRemove(KeyValuePair.Create(key, count)) : _open.TryUpdate(key, count - 1, count))
            {
                return;
            }
        }
    }

    /// <summary>Address bytes and their length in one 128-bit key; never zero for a real address (the length is in it).</summary>
    private static UInt128 KeyOf(ReadOnlySpan<byte> partition)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        partition.CopyTo(bytes);
        var low = BitConverter.ToUInt64(bytes);
        return new UInt128((ulong)partition.Length << 56, low);
    }
}

/// <summary>Why a connection was refused at accept; <see cref="None"/> admits it.</summary>
internal enum AcceptRefusal : byte
{
    None,
    OpenConnections,
    ConnectionRate,
}
