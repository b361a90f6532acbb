using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeProxy.Policies.Auth;

/// <summary>
/// Byte comparison whose time depends only on the length: every byte is read and folded into one difference word,
/// with no early exit. <see cref="System.Security.Cryptography.CryptographicOperations.FixedTimeEquals"/> does the
/// same but is compiled without optimizations (about 4 ns per byte); this one runs on every authenticated request
/// (the per-connection key memo and the hash table probe).
/// </summary>
internal static class ConstantTime
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Equals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        ulong difference = 0;
        var i = 0;
        for (; i + sizeof(ulong) <= left.Length; i += sizeof(ulong))
        {
            difference |= MemoryMarshal.Read<ulong>(left[i..]) ^ MemoryMarshal.Read<ulong>(right[i..]);
        }

        for (; i < left.Length; i++)
        {
            difference |= (uint)(left[i] ^ right[i]);
        }

        return difference == 0;
    }
}
