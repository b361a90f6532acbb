namespace EdgeProxy.Upstreams;

/// <summary>
/// An endpoint's idle keep-alive connections, most recently used first (as nginx's keepalive cache and HAProxy's idle
/// lists reuse them). First-in-first-out spread a light load over every connection a past burst had opened: each was
/// used now and then, so none grew its TCP windows or lived out its idle timeout. Taking the newest keeps the busy few
/// warm and leaves the rest at the bottom, which is dropped once it has been idle for the timeout. A ring of fixed
/// capacity (0: nothing is kept) under one lock: nothing is allocated per request, and the lock is held for a few
/// instructions.
/// </summary>
internal sealed class IdleConnectionStack(int capacity)
{
    private readonly Lock _gate = new();
    private readonly UpstreamConnection?[] _ring = new UpstreamConnection?[capacity];
    private int _bottom;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Pushes <paramref name="connection"/> on top, and hands back in <paramref name="expired"/> the bottom one when it
    /// has been idle for <paramref name="idleTimeoutMs"/> (the caller closes it). False when full: the caller closes
    /// <paramref name="connection"/>.
    /// </summary>
    public bool TryPush(UpstreamConnection connection, long now, long idleTimeoutMs, out UpstreamConnection? expired)
    {
        expired = null;
        lock (_gate)
        {
            if (_count > 0 && now - _ring[_bottom]!.IdleSince >= idleTimeoutMs)
            {
                expired = _ring[_bottom];
                _ring[_bottom] = null;
                _bottom = (_bottom + 1) % _ring.Length;
                Volatile.Write(ref _count, _count - 1);
            }

            if (_count == _ring.Length)
            {
                return false;
            }

            _ring[(_bottom + _count) % _ring.Length] = connection;
            Volatile.Write(ref _count, _count + 1);
            return true;
        }
    }

    /// <summary>The most recently pushed connection, or null.</summary>
    public UpstreamConnection? TryPop()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return null;
            }

            var top = (_bottom + _count - 1) % _ring.Length;
            var connection = _ring[top];
            _ring[top] = null;
            Volatile.Write(ref _count, _count - 1);
            return connection;
        }
    }
}
