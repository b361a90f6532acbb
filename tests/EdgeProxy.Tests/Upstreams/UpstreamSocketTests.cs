using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Upstreams.Polling;

namespace EdgeProxy.Tests.Upstreams;

/// <summary>The gateway's own upstream sockets and poller, over real loopback connections.</summary>
public sealed class UpstreamSocketTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_poller_is_what_these_tests_exercise_on_linux_x64()
    {
        // Elsewhere the same tests run against .NET's sockets (the fallback); here they must cover the poller.
        var expected = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            && Environment.GetEnvironmentVariable("EDGEPROXY_UPSTREAM_SOCKETS") != "dotnet";
        Assert.Equal(expected, SocketPoller.IsEnabled);
    }

    [Fact]
    public async Task A_receive_waits_for_data_and_completes_when_it_arrives()
    {
        using var pair = await Pair.OpenAsync();
        var buffer = new byte[64];
        var receive = pair.Upstream.ReceiveAsync(buffer, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(receive.IsCompleted);

        pair.Peer.Send("hello"u8);
        var count = await receive.AsTask().WaitAsync(Bound);
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, count));

        // The socket is known empty now: the next receive waits, and still sees the next bytes.
        var next = pair.Upstream.ReceiveAsync(buffer, CancellationToken.None);
        Assert.False(next.IsCompleted);
        pair.Peer.Send("again"u8);
        Assert.Equal(5, await next.AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Bytes_sent_in_many_pieces_arrive_complete_through_small_receives()
    {
        using var pair = await Pair.OpenAsync();
        var data = RandomNumberGenerator.GetBytes(1 << 20);
        var sender = Task.Run(() =>
        {
            for (var offset = 0; offset < data.Length; offset += 7919)
            {
                pair.Peer.Send(data.AsSpan(offset, Math.Min(7919, data.Length - offset)));
            }
        });

        var received = new MemoryStream();
        var buffer = new byte[3000];
        while (received.Length < data.Length)
        {
            var count = await pair.Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound);
            Assert.True(count > 0);
            received.Write(buffer, 0, count);
        }

        await sender.WaitAsync(Bound);
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task A_send_larger_than_the_socket_buffers_completes_once_the_peer_has_read_it()
    {
        using var pair = await Pair.OpenAsync();
        var data = RandomNumberGenerator.GetBytes(16 << 20);
        var send = pair.Upstream.SendAsync(data, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(send.IsCompleted); // the peer has read nothing yet: the send waits for room

        var received = new byte[data.Length];
        var total = 0;
        var reader = Task.Run(() =>
        {
            while (total < received.Length)
            {
                var count = pair.Peer.Receive(received.AsSpan(total));
                Assert.True(count > 0);
                total += count;
            }
        });

        Assert.Equal(data.Length, await send.AsTask().WaitAsync(Bound));
        await reader.WaitAsync(Bound);
        Assert.Equal(data, received);
    }

    [Fact]
    public async Task The_end_of_the_stream_is_a_zero_byte_receive_every_time()
    {
        using var pair = await Pair.OpenAsync();
        var buffer = new byte[16];
        var receive = pair.Upstream.ReceiveAsync(buffer, CancellationToken.None);
        pair.Peer.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await receive.AsTask().WaitAsync(Bound));
        Assert.Equal(0, await pair.Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Data_and_the_close_that_came_with_it_are_both_received_without_waiting_for_another_edge()
    {
        using var pair = await Pair.OpenAsync();
        pair.Peer.Send("last words"u8);
        pair.Peer.Shutdown(SocketShutdown.Send);
        await Task.Delay(100); // both arrive, and their edge is handled, before anything is received

        var buffer = new byte[64];
        Assert.Equal(10, await pair.Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
        Assert.Equal(0, await pair.Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
        Assert.True(pair.Upstream.IdleEnded());
    }

    [Fact]
    public async Task A_waiting_receive_ends_when_its_token_is_cancelled_and_the_socket_stays_usable()
    {
        using var pair = await Pair.OpenAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        var buffer = new byte[16];
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => pair.Upstream.ReceiveAsync(buffer, cancel.Token).AsTask().WaitAsync(Bound));

        pair.Peer.Send("x"u8);
        Assert.Equal(1, await pair.Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task Disposing_the_socket_aborts_a_waiting_receive()
    {
        var pair = await Pair.OpenAsync();
        var receive = pair.Upstream.ReceiveAsync(new byte[16], CancellationToken.None).AsTask();
        await Task.Delay(50);
        pair.Dispose();
        var error = await Assert.ThrowsAsync<SocketException>(() => receive.WaitAsync(Bound));
        Assert.Equal(SocketError.OperationAborted, error.SocketErrorCode);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pair.Upstream.ReceiveAsync(new byte[16], CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task An_idle_socket_reports_the_peer_closing_it_or_sending_unasked()
    {
        using (var pair = await Pair.OpenAsync())
        {
            await PingPongAsync(pair);
            Assert.False(pair.Upstream.IdleEnded());
            pair.Peer.Close();
            await TestWait.UntilAsync(() => pair.Upstream.IdleEnded(), Bound);
        }

        using (var pair = await Pair.OpenAsync())
        {
            await PingPongAsync(pair);
            await Task.Delay(50);
            Assert.False(pair.Upstream.IdleEnded());
            pair.Peer.Send("unasked"u8);
            await TestWait.UntilAsync(() => pair.Upstream.IdleEnded(), Bound);
        }
    }

    [Fact]
    public async Task A_configured_receive_buffer_is_set_on_the_connection_and_zero_leaves_the_kernel_default()
    {
        // Linux doubles SO_RCVBUF for its bookkeeping; the default is tcp_rmem's middle value, which autotuning grows.
        var kernelDefault = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_rmem").Split('\t', ' ')[1]);
        using var listener = Listen(out var port);
        using var tuned = await UpstreamSocket.ConnectAsync("127.0.0.1", port, kernelDefault * 4, CancellationToken.None).AsTask().WaitAsync(Bound);
        using var autotuned = await UpstreamSocket.ConnectAsync("127.0.0.1", port, 0, CancellationToken.None).AsTask().WaitAsync(Bound);

        Assert.Equal(kernelDefault * 8, tuned.ReceiveBufferSize);
        Assert.Equal(kernelDefault, autotuned.ReceiveBufferSize);
        using var plain = UpstreamSocket.CreateTcp(0);
        Assert.True(plain.NoDelay);
    }

    [Fact]
    public async Task A_refused_connect_fails_with_connection_refused()
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        listener.Dispose(); // bound, never listening: nothing accepts on the port now

        var error = await Assert.ThrowsAsync<SocketException>(
            () => UpstreamSocket.ConnectAsync("127.0.0.1", port, 0, CancellationToken.None).AsTask().WaitAsync(Bound));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public async Task Hundreds_of_sockets_come_and_go_and_each_gets_only_its_own_bytes()
    {
        using var listener = Listen(out var port);
        for (var round = 0; round < 3; round++)
        {
            var pairs = new List<Pair>();
            for (var i = 0; i < 150; i++)
            {
                pairs.Add(await Pair.OpenAsync(listener, port));
            }

            for (var i = 0; i < pairs.Count; i++)
            {
                pairs[i].Peer.Send(BitConverter.GetBytes(round * 1000 + i));
            }

            for (var i = 0; i < pairs.Count; i++)
            {
                var buffer = new byte[4];
                var count = await pairs[i].Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound);
                Assert.Equal(4, count);
                Assert.Equal(round * 1000 + i, BitConverter.ToInt32(buffer));
            }

            foreach (var pair in pairs)
            {
                pair.Dispose();
            }
        }
    }

    private static async Task PingPongAsync(Pair pair)
    {
        await pair.Upstream.SendAsync("ping"u8.ToArray(), CancellationToken.None).AsTask().WaitAsync(Bound);
        var request = new byte[4];
        Assert.Equal(4, pair.Peer.Receive(request));
        pair.Peer.Send("pong"u8);
        var buffer = new byte[16];
        Assert.Equal(4, await pair.Upstream.ReceiveAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Bound));
    }

    private static Socket Listen(out int port)
    {
        var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        return listener;
    }

    /// <summary>An upstream socket connected to a plain blocking socket the test drives as the upstream.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly Socket? _listener;

        private Pair(UpstreamSocket upstream, Socket peer, Socket? listener)
        {
            Upstream = upstream;
            Peer = peer;
            _listener = listener;
            Peer.ReceiveTimeout = (int)Bound.TotalMilliseconds;
            Peer.SendTimeout = (int)Bound.TotalMilliseconds;
        }

        public UpstreamSocket Upstream { get; }

        public Socket Peer { get; }

        public static async Task<Pair> OpenAsync()
        {
            var listener = Listen(out var port);
            var pair = await OpenAsync(listener, port);
            return new Pair(pair.Upstream, pair.Peer, listener);
        }

        public static async Task<Pair> OpenAsync(Socket listener, int port)
        {
            var accept = listener.AcceptAsync();
            var upstream = await UpstreamSocket.ConnectAsync("127.0.0.1", port, 0, CancellationToken.None).AsTask().WaitAsync(Bound);
            var peer = await accept.WaitAsync(Bound);
            return new Pair(upstream, peer, null);
        }

        public void Dispose()
        {
            Upstream.Dispose();
            Peer.Dispose();
            _listener?.Dispose();
        }
    }
}
