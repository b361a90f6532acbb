namespace EdgeProxy.Upstreams;

/// <summary>
/// The blocks a <see cref="SocketReader"/> or <see cref="SocketWriter"/> holds, oldest first, with their
/// segment objects kept for reuse so a steady connection allocates nothing. Blocks go back to the pool as soon as
/// they are consumed, so an idle pooled connection holds none.
/// </summary>
internal struct SocketSegmentChain
{
    private SocketSegment? _spare;

    public SocketSegment? Head;
    public SocketSegment? Tail;

    public readonly bool IsEmpty => Head is null;

    /// <summary>The tail's free space, appending a block when it has less than <paramref name="sizeHint"/> bytes.</summary>
    public Memory<byte> GetFree(int sizeHint)
    {
        if (Tail is null || Tail.Free.Length < Math.Max(sizeHint, 1))
        {
            Append(Math.Max(sizeHint, 1));
        }

        return Tail!.Free;
    }

    /// <summary>Releases every block before <paramref name="segment"/> (which becomes the head).</summary>
    public void ReleaseBefore(SocketSegment segment)
    {
        while (Head is not null && Head != segment)
        {
            var next = Head.NextSegment;
            Recycle(Head);
            Head = next;
        }
    }

    public void ReleaseAll()
    {
        while (Head is not null)
        {
            var next = Head.NextSegment;
            Recycle(Head);
            Head = next;
        }

        Tail = null;
    }

    private void Append(int minimumSize)
    {
        var segment = _spare ?? new SocketSegment();
        _spare = null;
        segment.Rent(minimumSize, Tail);
        Head ??= segment;
        Tail = segment;
    }

    private void Recycle(SocketSegment segment)
    {
        segment.Release();
        if (Tail == segment)
        {
            Tail = null;
        }

        _spare ??= segment;
    }
}
