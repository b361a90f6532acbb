using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeProxy.Upstreams.Polling;

/// <summary>
/// The gateway's own event loop for plain upstream sockets: <see cref="ThreadCount"/> epoll sets with a thread each, edge-triggered,
/// each readiness edge handed to its <see cref="UpstreamSocket"/> on this thread. .NET's socket engine tries every
/// receive before it waits and takes a queue lock around each wait; with the readiness an edge reports, a receive
/// after a send goes straight to waiting (no failed <c>recvfrom</c>), and an idle pooled connection learns that the
/// upstream closed it without a system call. Client sockets stay on Kestrel's transport.
/// </summary>
internal sealed unsafe class SocketPoller
{
    private const int MaxEvents = 256;

    /// <summary>
    /// Linux on x86-64 (the layout <see cref="Epoll.Event"/> declares); elsewhere, or with
    /// <c>EDGEPROXY_UPSTREAM_SOCKETS=dotnet</c>, upstream sockets use .NET's socket engine.
    /// </summary>
    public static bool IsEnabled { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture == Architecture.X64
        && Environment.GetEnvironmentVariable("EDGEPROXY_UPSTREAM_SOCKETS") != "dotnet";

    /// <summary>
    /// Half the cores (rounded up) by default, <c>EDGEPROXY_UPSTREAM_POLLERS</c> sets it; the client side's engine gets
    /// the other half (Program). One event thread per core in all measured less CPU per request and more throughput
    /// than one per core on each side in most cells of the side-by-side runs on 2 cores, where the extra threads only
    /// woke each other (bench/RESULTS.md).
    /// </summary>
    public static int ThreadCount { get; } = ConfiguredThreadCount();

    private static readonly Lazy<SocketPoller[]> s_pollers = new(Start);
    private static int s_next;

    private readonly int _epoll;
    private readonly Lock _gate = new();
    private UpstreamSocket?[] _slots = new UpstreamSocket?[64];
    private readonly Stack<int> _free = new();
    private int _used;
    private uint _generation;

    private SocketPoller(int index)
    {
        _epoll = Epoll.Create(Epoll.CloseOnExec);
        if (_epoll < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        var thread = new Thread(Run) { IsBackground = true, Name = $"edgeproxy upstream poller {index}" };
        thread.UnsafeStart();
    }

    /// <summary>The poller a new socket joins: round robin.</summary>
    public static SocketPoller Next()
    {
        var pollers = s_pollers.Value;
        return pollers[(int)((uint)Interlocked.Increment(ref s_next) % (uint)pollers.Length)];
    }

    private static int ConfiguredThreadCount() =>
        int.TryParse(Environment.GetEnvironmentVariable("EDGEPROXY_UPSTREAM_POLLERS"), out var count) && count > 0
            ? count
            : HalfTheCores;

    /// <summary>Each side's share of the cores: at least one thread.</summary>
    public static int HalfTheCores => Math.Max(1, (Environment.ProcessorCount + 1) / 2);

    private static SocketPoller[] Start()
    {
        var pollers = new SocketPoller[ThreadCount];
        for (var i = 0; i < pollers.Length; i++)
        {
            pollers[i] = new SocketPoller(i);
        }

        return pollers;
    }

    /// <summary>
    /// Adds <paramref name="socket"/>'s descriptor for input, output and the peer's close, edge-triggered, and sets its
    /// <see cref="UpstreamSocket.PollKey"/>: the key its events carry (slot and generation, never 0, so an event still
    /// queued for a socket that has gone is dropped).
    /// </summary>
    public void Register(UpstreamSocket socket, int fd)
    {
        ulong key;
        lock (_gate)
        {
            var slot = _free.Count > 0 ? _free.Pop() : _used++;
            if (slot == _slots.Length)
            {
                var grown = new UpstreamSocket?[_slots.Length * 2];
                _slots.AsSpan().CopyTo(grown);
                Volatile.Write(ref _slots, grown);
            }

            key = ((ulong)++_generation << 32) | (uint)slot;
            socket.PollKey = key;
            Volatile.Write(ref _slots[slot], socket);
        }

        var change = new Epoll.Event { Events = Epoll.In | Epoll.Out | Epoll.ReadHangUp | Epoll.EdgeTriggered, Data = key };
        if (Epoll.Control(_epoll, Epoll.ControlAdd, fd, &change) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            Unregister(key, -1);
            socket.PollKey = 0;
            throw new SocketException(error);
        }
    }

    /// <summary>Removes a socket before its descriptor is closed (a negative <paramref name="fd"/> only frees the slot).</summary>
    public void Unregister(ulong key, int fd)
    {
        if (fd >= 0)
        {
            Epoll.Control(_epoll, Epoll.ControlDelete, fd, null);
        }

        var slot = (int)(uint)key;
        lock (_gate)
        {
            if (_slots[slot] is { } owner && owner.PollKey == key)
            {
                Volatile.Write(ref _slots[slot], null);
                _free.Push(slot);
            }
        }
    }

    private void Run()
    {
        var events = (Epoll.Event*)NativeMemory.Alloc(MaxEvents, (nuint)sizeof(Epoll.Event));
        while (true)
        {
            var count = Epoll.Wait(_epoll, events, MaxEvents, -1);
            if (count < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == Epoll.Interrupted)
                {
                    continue;
                }

                // Only a programming error (a bad descriptor or buffer) gets here; a poller that cannot wait would
                // leave every upstream read on it hanging, so fail loudly.
                Environment.FailFast($"epoll_wait failed: errno {error}");
            }

            var slots = Volatile.Read(ref _slots);
            for (var i = 0; i < count; i++)
            {
                var key = events[i].Data;
                var slot = (int)(uint)key;
                if ((uint)slot < (uint)slots.Length && Volatile.Read(ref slots[slot]) is { } socket && socket.PollKey == key)
                {
                    socket.OnEvents(events[i].Events);
                }
            }
        }
    }
}
