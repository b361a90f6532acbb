using System.Buffers;

namespace EdgeProxy.Http;

/// <summary>
/// Finds where a message head ends without trusting it: every line must end in CRLF (a bare LF is
/// rejected at once rather than waited on), and the limits are enforced on the bytes seen so far so an
/// oversized head is refused before it is buffered whole.
/// </summary>
internal static class HeadFramer
{
    /// <summary>
    /// Returns the length of the head including its terminating empty line, or 0 when more bytes are needed.
    /// Throws <see cref="BadRequestException"/> for framing errors and exceeded limits.
    /// </summary>
    public static int FindEnd(ReadOnlySpan<byte> data, int maxStartLine, int maxHead)
    {
        var pos = 0;
        var line = 0;
        while (true)
        {
            var rest = data[pos..];
            var lf = rest.IndexOf((byte)'\n');
            if (lf < 0)
            {
                if (line == 0 && data.Length > maxStartLine)
                {
                    BadRequestException.Throw(RejectReason.RequestLineTooLong);
                }

                if (data.Length > maxHead)
                {
                    BadRequestException.Throw(RejectReason.HeadersTooLarge);
                }

                return 0;
            }

            var end = pos + lf;
            if (lf == 0 || data[end - 1] != (byte)'\r')
            {
                BadRequestException.Throw(RejectReason.BareLineFeed);
            }

            if (line == 0 && lf - 1 > maxStartLine)
            {
                BadRequestException.Throw(RejectReason.RequestLineTooLong);
            }

            if (end + 1 > maxHead)
            {
                BadRequestException.Throw(RejectReason.HeadersTooLarge);
            }

            if (lf == 1 && line > 0)
            {
                return end + 1;
            }

            pos = end + 1;
            line++;
        }
    }

    /// <summary>
    /// The first <paramref name="max"/> bytes of a head that spans segments, copied into <paramref name="scratch"/>
    /// (grown when too small, then kept by its owner for the next head) so <see cref="FindEnd"/> can frame it.
    /// </summary>
    public static ReadOnlySpan<byte> Linearize(in ReadOnlySequence<byte> buffer, int max, ref byte[]? scratch)
    {
        var length = (int)Math.Min(buffer.Length, max);
        if (scratch is null || scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, 4096)];
        }

        buffer.Slice(0, length).CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }
}
