using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using EdgeProxy.Http;

namespace EdgeProxy.Compression;

/// <summary>
/// A <see cref="PipeWriter"/> the body copier writes an uncompressed body into; the bytes are encoded as they come
/// and written to the client pipe (chunked for HTTP/1.1), so nothing is buffered beyond the encoder's window.
/// The body copier flushes once per upstream read, and so does the encoder here: what the upstream sent is on its way
/// to the client, compressed, before the gateway waits for more (a server-sent event is not held back until the
/// encoder's window fills). A sync flush per read of up to 64 KiB costs a few bytes of ratio; on a trickle of small
/// writes it costs more, which is what streaming needs. <see cref="Finish"/> ends the stream. One instance per
/// connection, <see cref="Start"/> per body.
/// </summary>
internal sealed class CompressingBodyWriter : PipeWriter
{
    /// <summary>Brotli quality 4 and gzip level 5: the usual on-the-fly settings (most of the ratio for a fraction of the CPU of the maximum).</summary>
    public const int BrotliQuality = 4;
    public const int GzipLevel = 5;
    public const int ZstdLevel = 3;

    private readonly ChunkFramingStream _sink = new();
    private byte[] _scratch = new byte[16 * 1024];
    private Stream? _encoder;
    private bool _wroteSinceFlush;
    private PipeWriter _inner = null!;

    public ContentCodec Codec { get; private set; }

    /// <summary>Uncompressed bytes taken in.</summary>
    public long BytesIn { get; private set; }

    /// <summary>Compressed bytes sent (before chunk framing); final after <see cref="Finish"/>.</summary>
    public long BytesOut => _sink.Written;

    public void Start(PipeWriter inner, ContentCodec codec, bool chunked)
    {
        _inner = inner;
        Codec = codec;
        BytesIn = 0;
        _wroteSinceFlush = false;
        _sink.Start(inner, chunked);
        _encoder = codec switch
        {
            ContentCodec.Brotli => new BrotliStream(_sink, new BrotliCompressionOptions { Quality = BrotliQuality }, leaveOpen: true),
            ContentCodec.Gzip => new GZipStream(_sink, new ZLibCompressionOptions { CompressionLevel = GzipLevel }, leaveOpen: true),
            ContentCodec.Zstd => new ZstdSharp.CompressionStream(_sink, ZstdLevel, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "no encoder for identity"),
        };
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (sizeHint > _scratch.Length)
        {
            _scratch = new byte[sizeHint];
        }

        return _scratch;
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (bytes > 0)
        {
            _encoder!.Write(_scratch, 0, bytes);
            BytesIn += bytes;
            _wroteSinceFlush = true;
        }
    }

    /// <summary>Ends the encoded stream (trailer, last chunk). Call once the whole body went through.</summary>
    public void Finish()
    {
        _encoder?.Dispose();
        _encoder = null;
        if (_sink.Chunked)
        {
            _inner.Write("0\r\n\r\n"u8);
        }
    }

    /// <summary>Drops the encoder without finishing (the exchange failed; the connection closes).</summary>
    public void Abort()
    {
        try
        {
            _encoder?.Dispose();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The body is cut short either way.
        }

        _encoder = null;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_wroteSinceFlush)
        {
            _wroteSinceFlush = false;
            _encoder?.Flush();
        }

        return _inner.FlushAsync(cancellationToken);
    }

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        // The client pipe outlives the body.
    }

    /// <summary>
    /// The header edits a compressed response needs, written in place of the dropped ones: Content-Encoding, Vary with
    /// Accept-Encoding merged in, and the ETag made weak (the bytes differ from the upstream's representation).
    /// Drop Content-Length, ETag and Vary from the forwarded head when <see cref="IsReplaced"/> says so.
    /// </summary>
    public static void WriteHeaders(ref HeadWriter w, ReadOnlySpan<byte> head, ResponseHead response, CompressionDecision decision)
    {
        var headers = response.Headers;
        var varyWritten = false;
        for (var i = 0; i < headers.Count; i++)
        {
            ref var e = ref headers.Entries[i];
            var name = head.Slice(e.NameStart, e.NameLength);
            var value = head.Slice(e.ValueStart, e.ValueLength);
            if (decision.AddVary && name.Length == 4 && System.Text.Ascii.EqualsIgnoreCase(name, "vary"u8) && !varyWritten)
            {
                w.Write("Vary: "u8);
                w.Write(value);
                if (value.IndexOf("accept-encoding"u8) < 0 && value.IndexOf("Accept-Encoding"u8) < 0)
                {
                    w.Write(", Accept-Encoding"u8);
                }

                w.WriteCrlf();
                varyWritten = true;
            }
            else if (decision.Compress && name.Length == 4 && System.Text.Ascii.EqualsIgnoreCase(name, "etag"u8))
            {
                w.Write("ETag: "u8);
                if (!value.StartsWith("W/"u8))
                {
                    w.Write("W/"u8);
                }

                w.Write(value);
                w.WriteCrlf();
            }
        }

        if (decision.AddVary && !varyWritten)
        {
            w.Write("Vary: Accept-Encoding\r\n"u8);
        }

        if (decision.Compress)
        {
            w.Write("Content-Encoding: "u8);
            w.Write(ContentCodecs.Token(decision.Codec));
            w.WriteCrlf();
        }
    }

    /// <summary>Forwarded headers <see cref="WriteHeaders"/> rewrites (so the forwarding writer skips them).</summary>
    public static bool IsReplaced(ReadOnlySpan<byte> name, CompressionDecision decision) =>
        (decision.AddVary && name.Length == 4 && System.Text.Ascii.EqualsIgnoreCase(name, "vary"u8))
        || (decision.Compress && ((name.Length == 4 && System.Text.Ascii.EqualsIgnoreCase(name, "etag"u8))
            || (name.Length == 14 && System.Text.Ascii.EqualsIgnoreCase(name, "content-length"u8))));
}
