using System.Text.Json;
using EdgeProxy.Http;

namespace EdgeProxy.Observability;

/// <summary>
/// One JSON line per request, written by a background thread. The request path copies its record into a
/// pre-allocated slot of a <see cref="BoundedRing{TSlot}"/> and never waits: when the ring is
/// full the line is dropped and counted.
/// </summary>
internal sealed class AccessLog : IDisposable
{
    private const int MaxPath = 512;
    private const int MaxMethod = 24;

    private readonly BoundedRing<Slot> _ring;
    private readonly Stream _output;
    private readonly bool _ownsOutput;
    private readonly Thread _writer;
    private volatile bool _stopping;
    private long _dropped;

    public AccessLog(Stream output, bool ownsOutput, int capacity)
    {
        _ring = new BoundedRing<Slot>(capacity);
        _output = output;
        _ownsOutput = ownsOutput;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "edgeproxy-access-log" };
        _writer.Start();
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Opens the configured sink: "off" gives null, "stdout", or a file appended to.</summary>
    public static AccessLog? Open(string target, int capacity) => target switch
    {
        "off" or "" => null,
        "stdout" => new AccessLog(Console.OpenStandardOutput(), ownsOutput: false, capacity),
        _ => new AccessLog(new FileStream(target, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 64 * 1024), ownsOutput: true, capacity),
    };

    public bool TryWrite(in ExchangeRecord record, ReadOnlySpan<byte> method, ReadOnlySpan<byte> path, ReadOnlySpan<byte> requestId)
    {
        var slot = _ring.TryClaim();
        if (slot is null)
        {
            Interlocked.Increment(ref _dropped);
            GatewayMetrics.AccessLogDropped.Inc();
            return false;
        }

        slot.Record = record;
        slot.MethodLength = Copy(method, slot.Method);
        slot.PathLength = Copy(path, slot.Path);
        slot.RequestIdLength = Copy(requestId, slot.RequestId);
        _ring.Publish(slot);
        return true;
    }

    public void Dispose()
    {
        _stopping = true;
        _writer.Join(TimeSpan.FromSeconds(5));
        if (_ownsOutput)
        {
            _output.Dispose();
        }
    }

    private static int Copy(ReadOnlySpan<byte> source, byte[] destination)
    {
        var n = Math.Min(source.Length, destination.Length);
        source[..n].CopyTo(destination);
        return n;
    }

    private void WriteLoop()
    {
        var buffer = new MemoryStream(64 * 1024);
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        while (true)
        {
            var wrote = false;
            while (TryRead(json))
            {
                json.Flush();
                buffer.WriteByte((byte)'\n');
                json.Reset();
                wrote = true;
                if (buffer.Length > 32 * 1024)
                {
                    Drain(buffer);
                }
            }

            if (wrote)
            {
                Drain(buffer);
            }
            else if (_stopping)
            {
                return;
            }
            else
            {
                Thread.Sleep(20);
            }
        }
    }

    private void Drain(MemoryStream buffer)
    {
        try
        {
            _output.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            _output.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException or UnauthorizedAccessException)
        {
            // A closed stdout or a full disk must not take the gateway down; the lines are lost and counted.
            GatewayMetrics.AccessLogDropped.Inc();
        }

        buffer.SetLength(0);
    }

    private bool TryRead(Utf8JsonWriter json)
    {
        var slot = _ring.Peek();
        if (slot is null)
        {
            return false;
        }

        ref readonly var r = ref slot.Record;
        json.WriteStartObject();
        json.WriteString("time"u8, DateTimeOffset.FromUnixTimeMilliseconds(r.UnixMicroseconds / 1000));
        json.WriteString("request_id"u8, slot.RequestId.AsSpan(0, slot.RequestIdLength));
        json.WriteString("client"u8, r.Client);
        json.WriteString("method"u8, slot.Method.AsSpan(0, slot.MethodLength));
        json.WriteString("path"u8, slot.Path.AsSpan(0, slot.PathLength));
        json.WriteString("route"u8, r.Route?.Id);
        json.WriteString("upstream"u8, r.Upstream?.Name);
        if (r.Consumer is not null)
        {
            json.WriteString("consumer"u8, r.Consumer.Id);
        }

        json.WriteNumber("status"u8, r.Status);
        json.WriteNumber("bytes_in"u8, r.BytesIn);
        json.WriteNumber("bytes_out"u8, r.BytesOut);
        json.WriteNumber("duration_ms"u8, r.DurationMicroseconds / 1000.0);
        json.WriteNumber("upstream_ms"u8, r.UpstreamMicroseconds / 1000.0);
        if (r.Error != ProxyErrorKind.None)
        {
            json.WriteString("error"u8, ErrorNames.Of(r.Error));
        }

        json.WriteEndObject();
        slot.Record = default;
        _ring.Release(slot);
        return true;
    }

    private sealed class Slot : RingSlot
    {
        public ExchangeRecord Record;
        public readonly byte[] Method = new byte[MaxMethod];
        public readonly byte[] Path = new byte[MaxPath];
        public readonly byte[] RequestId = new byte[RequestIds.MaxIncomingLength];
        public int MethodLength;
        public int PathLength;
        public int RequestIdLength;
    }
}
