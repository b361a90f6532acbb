using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// The request's X-Request-Id inline in <see cref="AnalyticsRecord"/> (fixed-size bytes, so the record stays
/// unmanaged and the gateway copies it into a ring slot without allocating). The gateway's ids are bounded: its own
/// are 24 hex digits, an incoming one is kept only when <see cref="IsValid"/> (at most <see cref="MaxLength"/> bytes).
/// </summary>
public struct AnalyticsRequestId : IEquatable<AnalyticsRequestId>
{
    public const int MaxLength = 64;

    private Bytes _bytes;
    private byte _length;

    public readonly int Length => _length;

    // Unscoped: the span points into this struct, so it lives as long as the variable it was read from.
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Span => ((ReadOnlySpan<byte>)_bytes)[.._length];

    /// <summary>Copies <paramref name="id"/> in; one longer than <see cref="MaxLength"/> (never a gateway id) is cut.</summary>
    public void Set(ReadOnlySpan<byte> id)
    {
        var n = Math.Min(id.Length, MaxLength);
        id[..n].CopyTo(_bytes);
        _length = (byte)n;
    }

    /// <summary>Short and made of characters that are safe in logs, headers, HTML and CSV.</summary>
    public static bool IsValid(ReadOnlySpan<byte> id)
    {
        if (id.IsEmpty || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var b in id)
        {
            var ok = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '-' || b == '_' || b == '.' || b == ':';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public override readonly string ToString() => Encoding.ASCII.GetString(Span);

    public readonly bool Equals(AnalyticsRequestId other) => Span.SequenceEqual(other.Span);

    public override readonly bool Equals(object? obj) => obj is AnalyticsRequestId other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(AnalyticsRequestId left, AnalyticsRequestId right) => left.Equals(right);

    public static bool operator !=(AnalyticsRequestId left, AnalyticsRequestId right) => !left.Equals(right);

    [InlineArray(MaxLength)]
    private struct Bytes
    {
        private byte _first;
    }
}
