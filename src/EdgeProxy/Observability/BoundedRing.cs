namespace EdgeProxy.Observability;

/// <summary>A slot of a <see cref="BoundedRing{TSlot}"/>: subclasses add the pre-allocated payload.</summary>
internal abstract class RingSlot
{
    internal long Sequence;
    internal long Position;
}

/// <summary>
/// Bounded multi-producer, single-consumer queue of pre-allocated slots (Vyukov's bounded queue). Producers on the
/// request path claim a slot, fill it in place and publish it: no allocation, no lock, and never a wait — a full
/// ring returns null and the caller counts the drop. One background thread peeks and releases in order.
/// Shared by the access log and analytics, which record the same exchange into different slots.
/// </summary>
internal sealed class BoundedRing<TSlot>
    where TSlot : RingSlot, new()
{
    private readonly TSlot[] _slots;
    private readonly int _mask;
    private long _enqueuePosition;
    private long _dequeuePosition;

    public BoundedRing(int capacity)
    {
        var size = 1;
        while (size < Math.Max(capacity, 2))
        {
            size <<= 1;
        }

        _slots = new TSlot[size];
        for (var i = 0; i < size; i++)
        {
            _slots[i] = new TSlot { Sequence = i };
        }

        _mask = size - 1;
    }

    public int Capacity => _slots.Length;

    /// <summary>Slots published and not yet released (approximate while producers run).</summary>
    public long Count => Math.Max(0, Volatile.Read(ref _enqueuePosition) - Volatile.Read(ref _dequeuePosition));

    /// <summary>A slot the caller owns until <see cref="Publish"/>; null when the ring is full.</summary>
    public TSlot? TryClaim()
    {
        var position = Volatile.Read(ref _enqueuePosition);
        while (true)
        {
            var slot = _slots[position & _mask];
            var diff = Volatile.Read(ref slot.Sequence) - position;
            if (diff == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueuePosition, position + 1, position) == position)
                {
                    slot.Position = position;
                    return slot;
                }

                position = Volatile.Read(ref _enqueuePosition);
            }
            else if (diff < 0)
            {
                return null;
            }
            else
            {
                position = Volatile.Read(ref _enqueuePosition);
            }
        }
    }

    /// <summary>Makes a claimed, filled slot visible to the consumer.</summary>
    public void Publish(TSlot slot) => Volatile.Write(ref slot.Sequence, slot.Position + 1);

    /// <summary>The oldest published slot, or null; consumer thread only.</summary>
    public TSlot? Peek()
    {
        var position = _dequeuePosition;
        var slot = _slots[position & _mask];
        return Volatile.Read(ref slot.Sequence) == position + 1 ? slot : null;
    }

    /// <summary>Hands the slot from <see cref="Peek"/> back to the producers; consumer thread only.</summary>
    public void Release(TSlot slot)
    {
        var position = _dequeuePosition;
        Volatile.Write(ref slot.Sequence, position + _slots.Length);
        Volatile.Write(ref _dequeuePosition, position + 1);
    }
}
