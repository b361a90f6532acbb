using System.IO.Pipelines;

namespace EdgeProxy.Caching;

/// <summary>
/// A writer that drops what it is given: the end of a background refresh's body chain, where the cache tee keeps the
/// bytes and no client is waiting for them. Its one buffer is reused for every write, since nothing written is read back.
/// </summary>
internal sealed class DiscardingPipeWriter : PipeWriter
{
    private byte[] _scratch = new byte[16 * 1024];

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (_scratch.Length < sizeHint)
        {
            _scratch = new byte[sizeHint];
        }

        return _scratch;
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => new(new FlushResult(false, false));

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }
}
