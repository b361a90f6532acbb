using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeProxy.Config;
using EdgeProxy.Http;
using EdgeProxy.Upstreams;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeProxy.Benchmarks.InMemory;

/// <summary>
/// The gateway's whole request path (parse, route, forward, relay the response) over in-memory pipes: a client
/// connection and an upstream that answers every request head with fixed bytes. No sockets, so what it measures
/// (time, and allocated bytes per request) is the gateway's own. Shared by the benchmarks and the allocation gate.
/// </summary>
internal sealed class InMemoryProxy : IAsyncDisposable
{
    private static readonly PipeOptions Inline = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private readonly string _directory;
    private readonly UpstreamConnector _connector;
    private readonly Pipe _toGateway = new(Inline);
    private readonly Pipe _fromGateway = new(Inline);
    private readonly Task _connection;
    private readonly List<Task> _upstreams = [];
    private readonly byte[] _upstreamResponse;

    private InMemoryProxy(string directory, byte[] upstreamResponse, Analytics.AnalyticsCapture? analytics)
    {
        _directory = directory;
        _upstreamResponse = upstreamResponse;
        _connector = new UpstreamConnector(ConnectUpstreamAsync);
        Store = new PolicyStore(directory, _connector, NullLogger.Instance);
        var outcome = Store.Reload();
        if (!outcome.Applied)
        {
            throw new InvalidOperationException(string.Join('\n', outcome.Errors));
        }

        var runtime = new GatewayRuntime(Store, accessLog: null, NullLogger.Instance, analytics);
        var context = new DefaultConnectionContext("bench", new DuplexPipe(_toGateway.Reader, _fromGateway.Writer), new DuplexPipe(_fromGateway.Reader, _toGateway.Writer));
        _connection = new ClientConnection(context, runtime, new ListenerInfo("bench", IsTls: false)).RunAsync();
    }

    public PolicyStore Store { get; }

    /// <summary>
    /// Routes for the access-policy path: <c>/keyed/...</c> needs the API key whose SHA-256 is
    /// <paramref name="keySha256"/> and takes from a route limit, the consumer's plan limit and day and month quotas
    /// (all far above any load); every other path goes to the open route <c>all</c>.
    /// </summary>
    public static string AccessPolicyRoutes(string keySha256) => $$"""
        [[routes]]
        id = "all"
        cluster = "mem"
        path_prefix = "/"

        [[routes]]
        id = "keyed"
        cluster = "mem"
        path_prefix = "/keyed"
        auth = "api_key"
        rate_limits = [{ name = "route", scope = "route", rate = "100000000/s", burst = 100000000 }]

        [[plans]]
        id = "gold"
        rate_limits = [{ name = "gold", rate = "100000000/s", burst = 100000000 }]
        quotas = [{ period = "day", limit = 10000000000 }, { period = "month", limit = 100000000000 }]

        [[consumers]]
        id = "alice"
        plan = "gold"
        keys = [{ key_sha256 = "{{keySha256}}" }]
        """;

    /// <summary>Config: one route for every path to one cluster whose endpoint is in memory.</summary>
    /// <param name="analytics">Captures every exchange for analytics (nothing drains it unless the caller does).</param>
    public static InMemoryProxy Create(string? extraRouteToml = null, byte[]? upstreamResponse = null, Analytics.AnalyticsCapture? analytics = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "edgeproxy-inmem-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "main.toml"), $$"""
            [gateway]
            access_log = "off"

            [admin]
            listen = ""

            [[listeners]]
            name = "bench"
            listen = "127.0.0.1:0"

            [[clusters]]
            id = "mem"
            endpoints = ["http://127.0.0.1:1"]

            {{extraRouteToml ?? """
            [[routes]]
            id = "all"
            cluster = "mem"
            path_prefix = "/"
            """}}
            """);
        return new InMemoryProxy(directory, upstreamResponse ?? "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!"u8.ToArray(), analytics);
    }

    /// <summary>Sends one request and reads until <paramref name="responseLength"/> bytes came back; returns the bytes read.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> SendAsync(ReadOnlyMemory<byte> request, int responseLength)
    {
        await _toGateway.Writer.WriteAsync(request);
        var received = 0;
        while (received < responseLength)
        {
            var result = await _fromGateway.Reader.ReadAsync();
            var take = (int)Math.Min(result.Buffer.Length, responseLength - received);
            received += take;
            _fromGateway.Reader.AdvanceTo(result.Buffer.GetPosition(take));
            if (result.IsCompleted && received < responseLength)
            {
                break;
            }
        }

        return received;
    }

    /// <summary>Reads whatever one response brings (for finding its length once).</summary>
    public async Task<byte[]> SendAndReadAllAsync(ReadOnlyMemory<byte> request)
    {
        await _toGateway.Writer.WriteAsync(request);
        var result = await _fromGateway.Reader.ReadAsync();
        var bytes = result.Buffer.ToArray();
        _fromGateway.Reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    private ValueTask<ConnectionContext> ConnectUpstreamAsync(UpstreamEndpoint endpoint, CancellationToken cancellation)
    {
        var toUpstream = new Pipe(Inline);
        var fromUpstream = new Pipe(Inline);
        _upstreams.Add(ServeUpstreamAsync(toUpstream.Reader, fromUpstream.Writer));
        ConnectionContext context = new DefaultConnectionContext("upstream", new DuplexPipe(fromUpstream.Reader, toUpstream.Writer), new DuplexPipe(toUpstream.Reader, fromUpstream.Writer));
        return ValueTask.FromResult(context);
    }

    /// <summary>Answers each complete request head (bodyless requests only) with the fixed response.</summary>
    private async Task ServeUpstreamAsync(PipeReader requests, PipeWriter responses)
    {
        while (true)
        {
            var result = await requests.ReadAsync();
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            var answered = false;
            while (reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true))
            {
                responses.Write(_upstreamResponse);
                answered = true;
            }

            requests.AdvanceTo(reader.Position, buffer.End);
            if (answered)
            {
                await responses.FlushAsync();
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _toGateway.Writer.CompleteAsync();
        await _connection;

        Directory.Delete(_directory, recursive: true);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
