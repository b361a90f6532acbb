using System.Runtime.InteropServices;

namespace EdgeProxy.Upstreams.Polling;

/// <summary>The Linux epoll calls the upstream poller needs (x86-64 layout of <c>struct epoll_event</c>).</summary>
internal static unsafe partial class Epoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint ReadHangUp = 0x2000;
    public const uint EdgeTriggered = 1u << 31;

    public const int CloseOnExec = 0x80000;
    public const int ControlAdd = 1;
    public const int ControlDelete = 2;

    /// <summary>EINTR: a signal (SIGHUP reloads, SIGTERM drains) interrupted the wait.</summary>
    public const int Interrupted = 4;

    /// <summary><c>struct epoll_event</c>, which the x86-64 ABI packs to 12 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct Event
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int Create(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int Control(int epoll, int operation, int fd, Event* change);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int Wait(int epoll, Event* events, int maxEvents, int timeoutMs);
}
