using System.Buffers;
using System.IO.Pipelines;
using EdgeProxy.Http;

namespace EdgeProxy.Compression;

/// <summary>
/// The sink an encoder writes into: each write goes to the client pipe, as one chunk when the response is chunked
/// (a compressed body's length is unknown up front). Write-only; reused per connection.
/// </summary>
internal sealed class ChunkFramingStream : Stream
{
    private PipeWriter _inner = null!;

    public bool Chunked { get; private set; }

    /// <summary>Encoded bytes written (before chunk framing).</summary>
    public long Written { get; private set; }

    public void Start(PipeWriter inner, bool chunked)
    {
        _inner = inner;
        Chunked = chunked;
        Written = 0;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        Written += buffer.Length;
        if (Chunked)
        {
            var w = new HeadWriter(_inner);
            w.WriteHex(buffer.Length);
            w.WriteCrlf();
            w.Commit();
            _inner.Write(buffer);
            _inner.Write("\r\n"u8);
        }
        else
        {
            _inner.Write(buffer);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    // The pipe is flushed by the body copier between reads; an encoder's Flush only has to hand its bytes over.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
