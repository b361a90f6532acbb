using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.Policies.RateLimiting;

/// <summary>
/// The partition bytes of a client address for per-IP limits: the 4 bytes of an IPv4 address (IPv4-mapped IPv6
/// included), or the first 8 bytes (the /64) of an IPv6 address. A single IPv6 host is routinely given a whole
/// /64, so per-address buckets would let one client rotate through 2^64 of them.
/// </summary>
internal static class ClientAddressKey
{
    public const int MaxLength = 16;

    /// <summary>Writes the key into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes); returns its length, 0 for none.</summary>
    public static int Write(IPAddress? address, Span<byte> destination)
    {
        if (address is null)
        {
            return 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return 0;
        }

        if (written == 4)
        {
            bytes[..4].CopyTo(destination);
            return 4;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            bytes[12..16].CopyTo(destination);
            return 4;
        }

        bytes[..8].CopyTo(destination);
        return 8;
    }
}
