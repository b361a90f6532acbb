using System.Buffers.Text;
using System.IO.Pipelines;

namespace EdgeProxy.Caching;

/// <summary>
/// A <see cref="PipeWriter"/> the body copier writes the response body into on a cache miss: bytes go straight into
/// the client pipe's memory (no extra copy on the way out) and are copied once into the entry being filled. With
/// <see cref="Chunked"/>, each Advance becomes one chunk: 10 bytes are reserved in front of the span handed out for a
/// fixed-width size line (<c>0000abcd\r\n</c>; RFC 9112 §7.1 allows leading zeros) and 2 behind for its CRLF.
/// Reused per connection: <see cref="Start"/> before each body.
/// </summary>
internal sealed class CacheTeeWriter : PipeWriter
{
    private const int Front = 10;
    private const int Back = 2;

    private PipeWriter _inner = null!;
    private CacheExchange? _exchange;
    private Memory<byte> _handedOut;
    private bool _teeing;

    public bool Chunked { get; private set; }

    /// <summary>Bytes of body written (before chunk framing).</summary>
    public long BodyBytes { get; private set; }

    public void Start(PipeWriter inner, CacheExchange exchange, bool chunked)
    {
        _inner = inner;
        _exchange = exchange;
        _teeing = exchange.IsStoring;
        Chunked = chunked;
        BodyBytes = 0;
        _handedOut = default;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        var memory = _inner.GetMemory(Chunked ? Math.Max(sizeHint, 1) + Front + Back : sizeHint);
        _handedOut = memory;
        return Chunked ? memory[Front..^Back] : memory;
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        var span = _handedOut.Span;
        var data = Chunked ? span.Slice(Front, bytes) : span[..bytes];
        if (_teeing)
        {
            // Once the entry outgrows its bound the fill is abandoned; keep streaming, stop copying.
            _teeing = _exchange!.AppendBody(data);
        }

        BodyBytes += bytes;
        if (!Chunked)
        {
            _inner.Advance(bytes);
            return;
        }

        Utf8Formatter.TryFormat(bytes, span[..8], out _, new System.Buffers.StandardFormat('x', 8));
        span[8] = (byte)'\r';
        span[9] = (byte)'\n';
        span[Front + bytes] = (byte)'\r';
        span[Front + bytes + 1] = (byte)'\n';
        _inner.Advance(bytes + Front + Back);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => _inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        // The client pipe outlives the body: completing it is the connection's business.
    }
}
