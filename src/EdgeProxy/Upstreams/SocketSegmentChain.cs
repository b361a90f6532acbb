namespace EdgeProxy.Upstreams;

/// <summary>
/// The blocks a <see cref="SocketReader"/> or <see cref="SocketWriter"/> holds, oldest first, with their
/// segment objects kept for reuse so a steady connection allocates nothing. Blocks go back to the pool as soon as
/// they are consumed, so an idle pooled connection holds none.
/// </summary>
internal struct SocketSegmentChain
{
    private const int Idle = 0, Busy = 1, Completed = 2, CompletedWhileBusy = 3;

    private SocketSegment? _spare;
    private int _state;

    public SocketSegment? Head;
    public SocketSegment? Tail;

    public readonly bool IsEmpty => Head is null;

    /// <summary>The owner was completed: reading or writing is over and the blocks are released.</summary>
    public readonly bool IsCompleted => Volatile.Read(in _state) >= Completed;

    /// <summary>A receive or send into or from the blocks starts; a completion meanwhile leaves them to <see cref="EndOperation"/>.</summary>
    public void BeginOperation() => Volatile.Write(ref _state, Busy);

    /// <summary>The operation returned; true when the owner was completed meanwhile (the blocks are released now).</summary>
    public bool EndOperation()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Busy) != CompletedWhileBusy)
        {
            return false;
        }

        ReleaseAll();
        Volatile.Write(ref _state, Completed);
        return true;
    }

    /// <summary>
    /// Completes the owner (possibly from another task, when the connection is disposed): releases the blocks now, or
    /// when the running operation returns, since the kernel may still be filling or reading them.
    /// </summary>
    public void Complete()
    {
        if (Interlocked.CompareExchange(ref _state, CompletedWhileBusy, Busy) == Busy)
        {
            return;
        }

        if (Interlocked.Exchange(ref _state, Completed) != Completed)
        {
            ReleaseAll();
        }
    }

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
