using System.Buffers.Binary;
using System.Text;
using K4os.Compression.LZ4;
using ZstdSharp;

namespace EdgeProxy.Policy.Analytics;

/// <summary>
/// Reads batches written by <see cref="AnalyticsBatchEncoder"/>. Every length and index is checked against the
/// bytes actually present and the bounds in <see cref="AnalyticsWire"/>: malformed input throws
/// <see cref="AnalyticsFormatException"/>, never anything else, and never sizes a buffer from an unchecked field.
/// </summary>
public static class AnalyticsBatchDecoder
{
    /// <summary>Reads only the uncompressed header (the manager checks the batch id before decompressing).</summary>
    public static AnalyticsBatchHeader ReadHeader(ReadOnlySpan<byte> body) => ReadHeader(body, out _, out _, out _);

    public static AnalyticsBatch Decode(ReadOnlySpan<byte> body)
    {
        var header = ReadHeader(body, out var payloadLength, out var compressedLength, out var headerLength);
        var compressed = body.Slice(headerLength, compressedLength);
        var payload = new byte[payloadLength];
        int written;
        try
        {
            written = header.Compression switch
            {
                AnalyticsCompression.Zstd => Unzstd(compressed, payload),
                AnalyticsCompression.Lz4 => LZ4Codec.Decode(compressed, payload),
                _ => CopyExact(compressed, payload),
            };
        }
        catch (ZstdException e)
        {
            throw new AnalyticsFormatException($"payload does not decompress: {e.Message}");
        }

        if (written != payloadLength)
        {
            throw new AnalyticsFormatException($"payload decompressed to {written} bytes, header says {payloadLength}");
        }

        var reader = new Reader(payload);
        var nameCount = reader.Count(AnalyticsWire.MaxNames, "name count");
        var names = new string[nameCount + 1];
        names[0] = "";
        for (var i = 1; i <= nameCount; i++)
        {
            var length = reader.Count(AnalyticsWire.MaxNameBytes, "name length");
            names[i] = reader.Utf8(length);
        }

        var records = new AnalyticsRecord[header.RecordCount];
        var hasSamples = body[4] >= 3;
        List<AnalyticsRequestSample?> samples = [null];
        var previous = header.CreatedUnixMilliseconds * 1000;
        for (var i = 0; i < records.Length; i++)
        {
            ref var r = ref records[i];
            previous += AnalyticsWire.UnZigZag(reader.Varint());
            r.UnixMicroseconds = previous;
            r.Route = reader.Name(nameCount);
            r.Api = reader.Name(nameCount);
            r.ApiVersion = reader.Name(nameCount);
            r.Consumer = reader.Name(nameCount);
            r.App = reader.Name(nameCount);
            r.Upstream = reader.Name(nameCount);
            r.Policy = reader.Name(nameCount);
            var family = reader.Byte();
            var prefixBytes = family switch
            {
                ClientPrefix.V4 => 3,
                ClientPrefix.V6 => 6,
                ClientPrefix.Unknown => 0,
                _ => throw new AnalyticsFormatException($"record {i}: unknown address family {family}"),
            };
            ulong bits = 0;
            for (var b = 0; b < prefixBytes; b++)
            {
                bits = (bits << 8) | reader.Byte();
            }

            r.Client = new ClientPrefix(family, bits);
            r.Method = (AnalyticsMethod)reader.Byte();
            var status = reader.Varint();
            if (status > 999)
            {
                throw new AnalyticsFormatException($"record {i}: status {status} out of range");
            }

            r.Status = (short)status;
            r.Cache = (AnalyticsCacheStatus)reader.Byte();
            r.Error = (AnalyticsErrorKind)reader.Byte();
            r.TotalMicroseconds = reader.Long();
            r.UpstreamMicroseconds = reader.Long();
            r.OverheadMicroseconds = Math.Max(0, r.TotalMicroseconds - r.UpstreamMicroseconds);
            r.BytesIn = reader.Long();
            r.BytesOut = reader.Long();
            var requestId = reader.Bytes(reader.Byte(), "request id");
            if (!requestId.IsEmpty && !AnalyticsRequestId.IsValid(requestId))
            {
                throw new AnalyticsFormatException($"record {i}: request id is not 1…{AnalyticsRequestId.MaxLength} of [0-9A-Za-z-_.:]");
            }

            r.RequestId.Set(requestId);
            if (hasSamples)
            {
                var sampleLength = reader.Count(AnalyticsWire.MaxSampleBytes, "sample length");
                if (sampleLength > 0)
                {
                    samples.Add(ReadSample(reader.Bytes(sampleLength, "sample"), i));
                    r.Sample = samples.Count - 1;
                }
            }
        }

        if (!reader.AtEnd)
        {
            throw new AnalyticsFormatException("trailing bytes after the last record");
        }

        return new AnalyticsBatch(header, names, records, [.. samples]);
    }

    /// <summary>A request sample (docs/analytics-wire.md): bounds, flag bits and byte classes all checked; exactly consumed.</summary>
    private static AnalyticsRequestSample ReadSample(ReadOnlySpan<byte> bytes, int record)
    {
        var reader = new Reader(bytes);
        var target = reader.Bytes(reader.Count(AnalyticsWire.MaxSampleTargetBytes, "sample target length"), "sample target");
        foreach (var b in target)
        {
            if (b is <= 0x20 or 0x7F)
            {
                throw new AnalyticsFormatException($"record {record}: sample target has byte 0x{b:x2}");
            }
        }

        var targetFlags = reader.Byte();
        if ((targetFlags & ~SampleFlags.Truncated) != 0)
        {
            throw new AnalyticsFormatException($"record {record}: unknown sample target flags {targetFlags}");
        }

        var count = reader.Byte();
        if (count > AnalyticsWire.MaxSampleHeaders)
        {
            throw new AnalyticsFormatException($"record {record}: {count} sample headers, at most {AnalyticsWire.MaxSampleHeaders}");
        }

        var headers = new AnalyticsSampleHeader[count];
        for (var h = 0; h < count; h++)
        {
            var nameLength = reader.Byte();
            if (nameLength is 0 or > AnalyticsWire.MaxSampleNameBytes)
            {
                throw new AnalyticsFormatException($"record {record}: sample header name of {nameLength} bytes");
            }

            var name = reader.Bytes(nameLength, "sample header name");
            if (!IsToken(name))
            {
                throw new AnalyticsFormatException($"record {record}: sample header name is not a token");
            }

            var flags = reader.Byte();
            if ((flags & ~(SampleFlags.Truncated | SampleFlags.Redacted)) != 0)
            {
                throw new AnalyticsFormatException($"record {record}: unknown sample header flags {flags}");
            }

            var value = reader.Bytes(reader.Count(AnalyticsWire.MaxSampleValueBytes, "sample header value length"), "sample header value");
            var redacted = (flags & SampleFlags.Redacted) != 0;
            if (redacted && !value.IsEmpty)
            {
                throw new AnalyticsFormatException($"record {record}: a redacted sample header carries a value");
            }

            foreach (var b in value)
            {
                if ((b < 0x20 && b != 0x09) || b == 0x7F)
                {
                    throw new AnalyticsFormatException($"record {record}: sample header value has byte 0x{b:x2}");
                }
            }

            headers[h] = new AnalyticsSampleHeader(Encoding.ASCII.GetString(name), redacted ? RequestScrub.RedactedText : Lenient.GetString(value),
                redacted, (flags & SampleFlags.Truncated) != 0);
        }

        var omitted = reader.Count(0xFFFF, "omitted sample headers");
        if (!reader.AtEnd)
        {
            throw new AnalyticsFormatException($"record {record}: trailing bytes in the sample");
        }

        return new AnalyticsRequestSample(Lenient.GetString(target), (targetFlags & SampleFlags.Truncated) != 0, headers, omitted);
    }

    /// <summary>Values may hold obs-text and a cut may split a UTF-8 sequence: such bytes become U+FFFD, never an error.</summary>
    private static readonly UTF8Encoding Lenient = new(false, false);

    private static bool IsToken(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            var ok = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || "!#$%&'*+-.^_`|~"u8.Contains(b);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static AnalyticsBatchHeader ReadHeader(ReadOnlySpan<byte> body, out int payloadLength, out int compressedLength, out int headerLength)
    {
        if (body.Length < AnalyticsWire.FixedHeaderLength || !body[..4].SequenceEqual(AnalyticsWire.Magic))
        {
            throw new AnalyticsFormatException("not an analytics batch (magic \"EPAB\" missing)");
        }

        if (body[4] is < AnalyticsWire.OldestVersion or > AnalyticsWire.Version)
        {
            throw new AnalyticsFormatException($"unsupported batch version {body[4]} (this reader knows {AnalyticsWire.OldestVersion} to {AnalyticsWire.Version})");
        }

        var compression = (AnalyticsCompression)body[5];
        if (compression is not (AnalyticsCompression.None or AnalyticsCompression.Zstd or AnalyticsCompression.Lz4))
        {
            throw new AnalyticsFormatException($"unknown compression {body[5]}");
        }

        var instance = BinaryPrimitives.ReadUInt64LittleEndian(body[8..]);
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(body[16..]);
        var created = BinaryPrimitives.ReadInt64LittleEndian(body[24..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[32..]);
        payloadLength = BinaryPrimitives.ReadInt32LittleEndian(body[36..]);
        compressedLength = BinaryPrimitives.ReadInt32LittleEndian(body[40..]);
        var gatewayLength = body[44];
        headerLength = AnalyticsWire.FixedHeaderLength + gatewayLength;
        if (count is < 0 or > AnalyticsWire.MaxRecords)
        {
            throw new AnalyticsFormatException($"record count {count} out of range");
        }

        if (payloadLength is < 0 or > AnalyticsWire.MaxPayloadBytes)
        {
            throw new AnalyticsFormatException($"payload length {payloadLength} out of range");
        }

        if (compressedLength < 0 || body.Length != headerLength + (long)compressedLength)
        {
            throw new AnalyticsFormatException($"body is {body.Length} bytes, header says {headerLength + (long)compressedLength}");
        }

        string gateway;
        try
        {
            gateway = new UTF8Encoding(false, true).GetString(body.Slice(AnalyticsWire.FixedHeaderLength, gatewayLength));
        }
        catch (DecoderFallbackException)
        {
            throw new AnalyticsFormatException("gateway id is not UTF-8");
        }

        return new AnalyticsBatchHeader(gateway, instance, sequence, created, count, compression);
    }

    private static int Unzstd(ReadOnlySpan<byte> source, byte[] destination)
    {
        using var zstd = new Decompressor();
        return zstd.Unwrap(source, destination);
    }

    private static int CopyExact(ReadOnlySpan<byte> source, byte[] destination)
    {
        if (source.Length != destination.Length)
        {
            throw new AnalyticsFormatException($"uncompressed payload is {source.Length} bytes, header says {destination.Length}");
        }

        source.CopyTo(destination);
        return source.Length;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public readonly bool AtEnd => _at == _data.Length;

        public byte Byte()
        {
            if (_at >= _data.Length)
            {
                throw new AnalyticsFormatException("payload ends inside a record");
            }

            return _data[_at++];
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new AnalyticsFormatException("varint longer than 10 bytes");
        }

        public long Long()
        {
            var v = Varint();
            return v > long.MaxValue ? throw new AnalyticsFormatException("number out of range") : (long)v;
        }

        public int Count(int max, string what)
        {
            var v = Varint();
            return v > (ulong)max ? throw new AnalyticsFormatException($"{what} {v} exceeds {max}") : (int)v;
        }

        public int Name(int nameCount)
        {
            var v = Varint();
            return v > (ulong)nameCount ? throw new AnalyticsFormatException($"name id {v} beyond the table's {nameCount} names") : (int)v;
        }

        public ReadOnlySpan<byte> Bytes(int length, string what)
        {
            if (_data.Length - _at < length)
            {
                throw new AnalyticsFormatException($"payload ends inside a {what}");
            }

            var bytes = _data.Slice(_at, length);
            _at += length;
            return bytes;
        }

        public string Utf8(int length)
        {
            if (_data.Length - _at < length)
            {
                throw new AnalyticsFormatException("payload ends inside a name");
            }

            try
            {
                var text = new UTF8Encoding(false, true).GetString(_data.Slice(_at, length));
                _at += length;
                return text;
            }
            catch (DecoderFallbackException)
            {
                throw new AnalyticsFormatException("name is not UTF-8");
            }
        }
    }
}
