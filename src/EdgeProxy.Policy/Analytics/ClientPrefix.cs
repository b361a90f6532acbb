using System.Net;
using System.Net.Sockets;

namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// The client address cut to its network: /24 for IPv4, /48 for IPv6 — enough to see where traffic comes from
/// without keeping whom it comes from. Unmanaged, so it fits in <see cref="AnalyticsRecord"/>.
/// </summary>
public readonly record struct ClientPrefix(byte Family, ulong Bits)
{
    public const byte Unknown = 0;
    public const byte V4 = 4;
    public const byte V6 = 6;

    /// <summary>The /24 or /48 of an address (IPv4-mapped IPv6 counts as IPv4); no allocation.</summary>
    public static ClientPrefix Of(IPAddress? address)
    {
        if (address is null)
        {
            return default;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return default;
        }

        if (written == 4)
        {
            return new ClientPrefix(V4, ((ulong)bytes[0] << 16) | ((ulong)bytes[1] << 8) | bytes[2]);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            return new ClientPrefix(V4, ((ulong)bytes[12] << 16) | ((ulong)bytes[13] << 8) | bytes[14]);
        }

        ulong bits = 0;
        for (var i = 0; i < 6; i++)
        {
            bits = (bits << 8) | bytes[i];
        }

        return new ClientPrefix(V6, bits);
    }

    /// <summary>CIDR text: <c>192.0.2.0/24</c>, <c>2001:db8:1::/48</c>, or <c>unknown</c>.</summary>
    public override string ToString()
    {
        switch (Family)
        {
            case V4:
                return $"{(Bits >> 16) & 0xFF}.{(Bits >> 8) & 0xFF}.{Bits & 0xFF}.0/24";
            case V6:
                var bytes = new byte[16];
                for (var i = 0; i < 6; i++)
                {
                    bytes[i] = (byte)(Bits >> (8 * (5 - i)));
                }

                return $"{new IPAddress(bytes)}/48";
            default:
                return "unknown";
        }
    }
}
