using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using K4os.Compression.LZ4;
using ZstdSharp;

namespace EdgeProxy.Policy.Analytics;

/// <summary>Gives the encoder the wire bytes of a record's sample (<see cref="AnalyticsRecord.Sample"/> ≠ 0).</summary>
public delegate ReadOnlySpan<byte> AnalyticsSampleSource(int sample);

/// <summary>
/// Writes batches in the format of docs/analytics-wire.md. One encoder belongs to one thread (the gateway's shipper)
/// and reuses its buffers, name map and compressor across batches.
/// </summary>
public sealed class AnalyticsBatchEncoder : IDisposable
{
    private readonly AnalyticsCompression _compression;
    private readonly Compressor? _zstd;
    private readonly Dictionary<int, int> _localIds = [];
    private readonly List<int> _names = [];
    private byte[] _payload = new byte[64 * 1024];
    private byte[] _output = new byte[64 * 1024];

    public AnalyticsBatchEncoder(AnalyticsCompression compression, int zstdLevel = 3)
    {
        _compression = compression;
        _zstd = compression == AnalyticsCompression.Zstd ? new Compressor(zstdLevel) : null;
    }

    public AnalyticsCompression Compression => _compression;

    /// <summary>
    /// Encodes <paramref name="records"/>, whose name ids <paramref name="nameOf"/> turns into text (0 is none).
    /// A record with a <see cref="AnalyticsRecord.Sample"/> carries the bytes <paramref name="sampleOf"/> gives for it
    /// (written by <see cref="AnalyticsSampleWriter"/>); without a source no record carries one.
    /// The result is valid until the next call.
    /// </summary>
    public ReadOnlyMemory<byte> Encode(string gatewayId, ulong instance, ulong sequence, long createdUnixMilliseconds,
        ReadOnlySpan<AnalyticsRecord> records, Func<int, string> nameOf, AnalyticsSampleSource? sampleOf = null)
    {
        _localIds.Clear();
        _names.Clear();
        var recordsLength = WriteRecords(records, createdUnixMilliseconds * 1000, sampleOf);
        var payloadLength = MoveRecordsAfterNames(recordsLength, nameOf);

        var gatewayBytes = Encoding.UTF8.GetByteCount(gatewayId);
        if (gatewayBytes > AnalyticsWire.MaxGatewayIdBytes)
        {
            throw new ArgumentException($"gateway id longer than {AnalyticsWire.MaxGatewayIdBytes} bytes", nameof(gatewayId));
        }

        var headerLength = AnalyticsWire.FixedHeaderLength + gatewayBytes;
        var bound = _compression switch
        {
            AnalyticsCompression.Zstd => (int)Compressor.GetCompressBound(payloadLength),
            AnalyticsCompression.Lz4 => LZ4Codec.MaximumOutputSize(payloadLength),
            _ => payloadLength,
        };
        Grow(ref _output, headerLength + bound);
        var body = _output.AsSpan(headerLength);
        var payload = _payload.AsSpan(0, payloadLength);
        var compressedLength = _compression switch
        {
            AnalyticsCompression.Zstd => _zstd!.Wrap(payload, body),
            AnalyticsCompression.Lz4 => LZ4Codec.Encode(payload, body, LZ4Level.L00_FAST),
            _ => Copy(payload, body),
        };
        if (compressedLength < 0)
        {
            throw new InvalidOperationException("LZ4 compression failed");
        }

        var header = _output.AsSpan(0, headerLength);
        AnalyticsWire.Magic.CopyTo(header);
        header[4] = AnalyticsWire.Version;
        header[5] = (byte)_compression;
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], instance);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], sequence);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], createdUnixMilliseconds);
        BinaryPrimitives.WriteInt32LittleEndian(header[32..], records.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[36..], payloadLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], compressedLength);
        header[44] = (byte)gatewayBytes;
        Encoding.UTF8.GetBytes(gatewayId, header[AnalyticsWire.FixedHeaderLength..]);
        return _output.AsMemory(0, headerLength + compressedLength);
    }

    public void Dispose() => _zstd?.Dispose();

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static void Grow(ref byte[] buffer, int needed)
    {
        if (buffer.Length < needed)
        {
            Array.Resize(ref buffer, Math.Max(needed, buffer.Length * 2));
        }
    }

    // Worst case per record: 10 (time) + 7*5 (names) + 1+6 (client) + 1+3+1+1 (method, status, cache, error) + 4*10 (numbers)
    // + 1+64 (request id) + 2 (sample length; the sample's own bytes are added per record).
    private const int MaxRecordBytes = 10 + 35 + 7 + 6 + 40 + 1 + AnalyticsRequestId.MaxLength + 2;

    /// <summary>Writes the records into <see cref="_payload"/>, assigning batch-local name ids as it meets them.</summary>
    private int WriteRecords(ReadOnlySpan<AnalyticsRecord> records, long previousMicros, AnalyticsSampleSource? sampleOf)
    {
        var bound = (long)records.Length * MaxRecordBytes;
        if (sampleOf is not null)
        {
            foreach (ref readonly var r in records)
            {
                bound += r.Sample != 0 ? Sample(sampleOf, r.Sample).Length : 0;
            }
        }

        Grow(ref _payload, checked((int)bound));
        var span = _payload.AsSpan();
        var at = 0;
        foreach (ref readonly var r in records)
        {
            at += AnalyticsWire.WriteVarint(span[at..], AnalyticsWire.ZigZag(r.UnixMicroseconds - previousMicros));
            previousMicros = r.UnixMicroseconds;
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.Route));
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.Api));
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.ApiVersion));
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.Consumer));
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.App));
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.Upstream));
            at += AnalyticsWire.WriteVarint(span[at..], Local(r.Policy));
            span[at++] = r.Client.Family;
            var prefixBytes = r.Client.Family switch { ClientPrefix.V4 => 3, ClientPrefix.V6 => 6, _ => 0 };
            for (var i = prefixBytes - 1; i >= 0; i--)
            {
                span[at++] = (byte)(r.Client.Bits >> (8 * i));
            }

            span[at++] = (byte)r.Method;
            at += AnalyticsWire.WriteVarint(span[at..], (ushort)r.Status);
            span[at++] = (byte)r.Cache;
            span[at++] = (byte)r.Error;
            at += AnalyticsWire.WriteVarint(span[at..], (ulong)Math.Max(0, r.TotalMicroseconds));
            at += AnalyticsWire.WriteVarint(span[at..], (ulong)Math.Max(0, r.UpstreamMicroseconds));
            at += AnalyticsWire.WriteVarint(span[at..], (ulong)Math.Max(0, r.BytesIn));
            at += AnalyticsWire.WriteVarint(span[at..], (ulong)Math.Max(0, r.BytesOut));
            var requestId = r.RequestId.Span;
            span[at++] = (byte)requestId.Length;
            requestId.CopyTo(span[at..]);
            at += requestId.Length;
            var sample = r.Sample != 0 && sampleOf is not null ? Sample(sampleOf, r.Sample) : default;
            at += AnalyticsWire.WriteVarint(span[at..], (ulong)sample.Length);
            sample.CopyTo(span[at..]);
            at += sample.Length;
        }

        return at;
    }

    private static ReadOnlySpan<byte> Sample(AnalyticsSampleSource sampleOf, int sample)
    {
        var bytes = sampleOf(sample);
        return bytes.Length <= AnalyticsWire.MaxSampleBytes ? bytes
            : throw new ArgumentException($"sample {sample} is {bytes.Length} bytes, more than {AnalyticsWire.MaxSampleBytes}", nameof(sampleOf));
    }

    private ulong Local(int id)
    {
        if (id == 0)
        {
            return 0;
        }

        if (!_localIds.TryGetValue(id, out var local))
        {
            _names.Add(id);
            local = _names.Count;
            _localIds.Add(id, local);
        }

        return (ulong)local;
    }

    /// <summary>The name table goes first so a decoder can resolve ids as it reads records: shift the records right.</summary>
    private int MoveRecordsAfterNames(int recordsLength, Func<int, string> nameOf)
    {
        var tableLength = 5;
        foreach (var id in _names)
        {
            var n = Encoding.UTF8.GetByteCount(nameOf(id));
            tableLength += 5 + n;
        }

        var table = ArrayPool<byte>.Shared.Rent(tableLength);
        try
        {
            var at = AnalyticsWire.WriteVarint(table, (ulong)_names.Count);
            foreach (var id in _names)
            {
                var name = nameOf(id);
                var n = Encoding.UTF8.GetByteCount(name);
                at += AnalyticsWire.WriteVarint(table.AsSpan(at), (ulong)n);
                at += Encoding.UTF8.GetBytes(name, table.AsSpan(at));
            }

            Grow(ref _payload, at + recordsLength);
            _payload.AsSpan(0, recordsLength).CopyTo(_payload.AsSpan(at));
            table.AsSpan(0, at).CopyTo(_payload);
            return at + recordsLength;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(table);
        }
    }
}
