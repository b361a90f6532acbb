using System.Net;
using System.Text;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Tests.Analytics;

/// <summary>The shared batch codec and signature: what the gateway writes, the manager reads back exactly.</summary>
public sealed class AnalyticsCodecTests
{
    private static readonly string[] Names = ["", "users", "alice", "http://10.0.0.5:8080", "per-ip", "orders-api", "v2", "mobile", "ünïcødé-route"];

    private static AnalyticsRecord[] SampleRecords(int count, long startMicros)
    {
        var random = new Random(7);
        var records = new AnalyticsRecord[count];
        for (var i = 0; i < count; i++)
        {
            var total = random.Next(0, 5_000_000);
            var upstream = random.Next(0, total + 1);
            records[i] = new AnalyticsRecord
            {
                UnixMicroseconds = startMicros + (i * 137) - (i % 3 == 0 ? 50 : 0), // not monotonic: negative deltas too
                Route = random.Next(0, Names.Length),
                Api = i % 4 == 0 ? 5 : 0,
                ApiVersion = i % 4 == 0 ? 6 : 0,
                Consumer = i % 2 == 0 ? 2 : 0,
                App = i % 5 == 0 ? 7 : 0,
                Upstream = i % 7 == 0 ? 0 : 3,
                Policy = i % 9 == 0 ? 4 : 0,
                Client = i % 2 == 0
                    ? ClientPrefix.Of(IPAddress.Parse($"198.51.{i % 256}.77"))
                    : i % 3 == 0 ? ClientPrefix.Of(IPAddress.Parse("2001:db8:abcd:12::1")) : default,
                Method = (AnalyticsMethod)(i % 10),
                Status = (short)(100 + random.Next(0, 500)),
                Cache = (AnalyticsCacheStatus)(i % 7),
                Error = (AnalyticsErrorKind)(i % 18),
                TotalMicroseconds = total,
                UpstreamMicroseconds = upstream,
                OverheadMicroseconds = total - upstream,
                BytesIn = i % 11 == 0 ? 5L * 1024 * 1024 * 1024 : random.Next(0, 100_000),
                BytesOut = random.Next(0, 10_000_000),
            };
            // Gateway ids (24 hex), client ids up to the 64-byte bound, and none.
            var requestId = (i % 3) switch { 0 => $"{i:x24}", 1 => ($"client:{i}_" + new string('z', 64))[..AnalyticsRequestId.MaxLength], _ => "" };
            records[i].RequestId.Set(Encoding.ASCII.GetBytes(requestId));

            // Every fourth record carries a request sample; its ticket names it in SampleBytes.
            records[i].Sample = i % 4 == 1 ? i : 0;
        }

        return records;
    }

    /// <summary>The sample of record <paramref name="i"/>: varied targets, header counts and values, some secret, some long.</summary>
    private static ReadOnlySpan<byte> SampleBytes(int i)
    {
        var headers = new List<(string, string)> { ("Host", "api.example.com"), ("X-Api-Key", "k-" + i), ("Accept", "application/json") };
        for (var h = 0; h < i % 40; h++)
        {
            headers.Add(($"X-Extra-{h}", new string((char)('a' + (h % 26)), (h * 37) % 400)));
        }

        return Sample($"/items/{i}?page={i}&access_token=t{i}&q=ü", [.. headers]);
    }

    /// <summary>A sample as the gateway writes it (X-Api-Key and api_key configured).</summary>
    private static byte[] Sample(string target, params (string Name, string Value)[] headers)
    {
        var buffer = new byte[AnalyticsWire.MaxSampleBytes];
        var writer = new AnalyticsSampleWriter(buffer, Encoding.UTF8.GetBytes(target), "api_key"u8);
        foreach (var (name, value) in headers)
        {
            writer.AddHeader(Encoding.ASCII.GetBytes(name), Encoding.UTF8.GetBytes(value), "X-Api-Key"u8);
        }

        return buffer.AsSpan(0, writer.Finish()).ToArray();
    }

    private static AnalyticsRequestSample Decoded(byte[] sample)
    {
        var record = new AnalyticsRecord { Status = 502, Error = AnalyticsErrorKind.ConnectRefused, Sample = 1 };
        using var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.None);
        var batch = AnalyticsBatchDecoder.Decode(encoder.Encode("gw", 1, 1, 0, [record], _ => "", _ => sample).Span);
        return batch.SampleOf(batch.Records[0])!;
    }

    [Theory]
    [InlineData(AnalyticsCompression.Zstd)]
    [InlineData(AnalyticsCompression.Lz4)]
    [InlineData(AnalyticsCompression.None)]
    public void Batches_round_trip_exactly(AnalyticsCompression compression)
    {
        var created = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var records = SampleRecords(2500, created * 1000 - 1_000_000);
        using var encoder = new AnalyticsBatchEncoder(compression);

        // Encode twice: the second batch reuses the encoder's buffers and name map and must not carry anything over.
        encoder.Encode("other", 1, 1, created, records.AsSpan(0, 10), id => Names[id], SampleBytes);
        var body = encoder.Encode("gw-1", 0xDEADBEEFCAFEUL, 42, created, records, id => Names[id], SampleBytes).ToArray();
        var batch = AnalyticsBatchDecoder.Decode(body);

        Assert.Equal(new AnalyticsBatchHeader("gw-1", 0xDEADBEEFCAFEUL, 42, created, records.Length, compression), batch.Header);
        Assert.Equal(batch.Header, AnalyticsBatchDecoder.ReadHeader(body));
        Assert.Equal(records.Length, batch.Records.Length);
        for (var i = 0; i < records.Length; i++)
        {
            var (want, got) = (records[i], batch.Records[i]);

            // Names are batch-local ids on the wire: compare through the name tables.
            Assert.Equal(Names[want.Route], batch.NameOf(got.Route));
            Assert.Equal(Names[want.Api], batch.NameOf(got.Api));
            Assert.Equal(Names[want.ApiVersion], batch.NameOf(got.ApiVersion));
            Assert.Equal(Names[want.Consumer], batch.NameOf(got.Consumer));
            Assert.Equal(Names[want.App], batch.NameOf(got.App));
            Assert.Equal(Names[want.Upstream], batch.NameOf(got.Upstream));
            Assert.Equal(Names[want.Policy], batch.NameOf(got.Policy));
            want.Route = got.Route;
            want.Api = got.Api;
            want.ApiVersion = got.ApiVersion;
            want.Consumer = got.Consumer;
            want.App = got.App;
            want.Upstream = got.Upstream;
            want.Policy = got.Policy;

            // Samples too: a batch-local index on the wire, the same content as the gateway's bytes decoded alone.
            if (want.Sample == 0)
            {
                Assert.Equal(0, got.Sample);
            }
            else
            {
                var sample = batch.SampleOf(got)!;
                Assert.Equal(Decoded(SampleBytes(want.Sample).ToArray()), sample, SampleComparer.Instance);
                Assert.Equal($"/items/{i}?page={i}&access_token=[redacted]&q=ü", sample.Target);
                want.Sample = got.Sample;
            }

            Assert.Equal(want, got);
        }

        Assert.Equal(records.Count(r => r.Sample != 0) + 1, batch.Samples.Length);

        // Only names the batch uses travel with it.
        Assert.DoesNotContain("other", batch.Names);
        Assert.Equal(batch.Names.Length, batch.Names.Distinct().Count());
        if (compression != AnalyticsCompression.None)
        {
            using var plain = new AnalyticsBatchEncoder(AnalyticsCompression.None);
            var plainLength = plain.Encode("gw-1", 1, 42, created, records, id => Names[id], SampleBytes).Length;
            Assert.True(body.Length < plainLength, $"{body.Length} B compressed vs {plainLength} B plain: compression did not help");
        }
    }

    [Fact]
    public void An_empty_batch_round_trips()
    {
        using var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.Zstd);
        var batch = AnalyticsBatchDecoder.Decode(encoder.Encode("gw", 1, 1, 0, [], _ => "").Span);
        Assert.Empty(batch.Records);
        Assert.Equal(new[] { "" }, batch.Names);
    }

    [Fact]
    public void Client_prefixes_keep_only_the_network()
    {
        Assert.Equal("203.0.113.0/24", ClientPrefix.Of(IPAddress.Parse("203.0.113.250")).ToString());
        Assert.Equal("203.0.113.0/24", ClientPrefix.Of(IPAddress.Parse("::ffff:203.0.113.9")).ToString());
        Assert.Equal("2001:db8:abcd::/48", ClientPrefix.Of(IPAddress.Parse("2001:db8:abcd:12:34::1")).ToString());
        Assert.Equal(ClientPrefix.Of(IPAddress.Parse("2001:db8:abcd:ffff::9")), ClientPrefix.Of(IPAddress.Parse("2001:db8:abcd:12:34::1")));
        Assert.Equal("unknown", ClientPrefix.Of(null).ToString());
    }

    [Theory]
    [InlineData(AnalyticsCompression.Zstd)]
    [InlineData(AnalyticsCompression.Lz4)]
    [InlineData(AnalyticsCompression.None)]
    public void Truncated_or_corrupted_batches_are_rejected_with_a_format_error_only(AnalyticsCompression compression)
    {
        using var encoder = new AnalyticsBatchEncoder(compression);
        var body = encoder.Encode("gw", 9, 3, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SampleRecords(40, 1_700_000_000_000_000), id => Names[id], SampleBytes).ToArray();
        for (var length = 0; length < body.Length; length++)
        {
            Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(body.AsSpan(0, length)));
        }

        // Flipped bytes anywhere: either a format error or (for bits the format cannot check) a batch; never a crash.
        var random = new Random(11);
        for (var trial = 0; trial < 2000; trial++)
        {
            var corrupt = (byte[])body.Clone();
            corrupt[random.Next(corrupt.Length)] ^= (byte)(1 << random.Next(8));
            try
            {
                AnalyticsBatchDecoder.Decode(corrupt);
            }
            catch (AnalyticsFormatException)
            {
            }
        }

        var wrongVersion = (byte[])body.Clone();
        wrongVersion[4] = 99;
        Assert.Contains("version 99", Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(wrongVersion)).Message, StringComparison.Ordinal);

        // Version 1 (no request ids; never released) is refused, not misread.
        Assert.Equal(3, body[4]);
        wrongVersion[4] = 1;
        Assert.Contains("version 1 ", Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(wrongVersion)).Message, StringComparison.Ordinal);
        var longer = body.Concat(new byte[] { 0 }).ToArray();
        Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(longer));
    }

    [Fact]
    public void Request_ids_travel_exactly_and_a_bad_one_is_a_format_error()
    {
        var record = new AnalyticsRecord { UnixMicroseconds = 1_700_000_000_000_000, Status = 502, Error = AnalyticsErrorKind.ConnectRefused };
        record.RequestId.Set("5f3a09c1000000000000002a"u8);
        using var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.None);
        var body = encoder.Encode("gw", 1, 1, 1_700_000_000_000, [record], _ => "").ToArray();
        Assert.Equal("5f3a09c1000000000000002a", AnalyticsBatchDecoder.Decode(body).Records.Single().RequestId.ToString());

        // The id comes last but for the sample length (0: none): a length byte, then the bytes.
        Assert.Equal(0, body[^1]);
        Assert.Equal(24, body[^26]);
        var unsafeCharacter = (byte[])body.Clone();
        unsafeCharacter[^2] = (byte)'<';
        Assert.Contains("request id", Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(unsafeCharacter)).Message, StringComparison.Ordinal);

        // More than 64 bytes is refused; the struct cuts what it is given at 64.
        var tooLong = new AnalyticsRecord();
        tooLong.RequestId.Set(Encoding.ASCII.GetBytes(new string('a', 100)));
        Assert.Equal(AnalyticsRequestId.MaxLength, tooLong.RequestId.Length);
        Assert.False(AnalyticsRequestId.IsValid(Encoding.ASCII.GetBytes(new string('a', 65))));
        Assert.True(AnalyticsRequestId.IsValid(Encoding.ASCII.GetBytes(new string('a', 64))));
    }

    [Fact]
    public void A_huge_declared_record_count_is_refused_before_allocating()
    {
        using var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.None);
        var body = encoder.Encode("gw", 1, 1, 0, SampleRecords(1, 0), id => Names[id]).ToArray();
        BitConverter.TryWriteBytes(body.AsSpan(32), int.MaxValue);
        Assert.Contains("record count", Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(body)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signatures_verify_with_the_shared_code_and_fail_on_any_change()
    {
        var secret = Encoding.UTF8.GetBytes("analytics-test-secret-0123");
        var body = Encoding.ASCII.GetBytes("EPAB batch bytes");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var header = AnalyticsSignature.Create(secret, now.ToUnixTimeSeconds(), body);
        Assert.Matches("^t=1800000000,v1=[0-9a-f]{64}$", header);
        var tolerance = TimeSpan.FromMinutes(5);
        Assert.True(AnalyticsSignature.Verify(secret, header, body, now.AddMinutes(4), tolerance));

        var tampered = (byte[])body.Clone();
        tampered[0] ^= 1;
        Assert.False(AnalyticsSignature.Verify(secret, header, tampered, now, tolerance));
        Assert.False(AnalyticsSignature.Verify("another-secret-of-length"u8, header, body, now, tolerance));
        Assert.False(AnalyticsSignature.Verify(secret, header, body, now.AddMinutes(6), tolerance));
        Assert.False(AnalyticsSignature.Verify(secret, header.Replace("t=1800000000", "t=1800000001", StringComparison.Ordinal), body, now, tolerance));
        Assert.False(AnalyticsSignature.Verify(secret, null, body, now, tolerance));
        Assert.False(AnalyticsSignature.Verify(secret, "t=1800000000,v1=zz", body, now, tolerance));
        Assert.False(AnalyticsSignature.Verify(secret, "garbage", body, now, tolerance));
    }

    [Fact]
    public void A_sample_carries_the_target_and_headers_with_every_secret_redacted()
    {
        var sample = Decoded(Sample("/orders/7?api_key=K1&page=2&Signature=abc&code=xyz&flag",
            ("Host", "a"), ("Authorization", "Bearer S1"), ("Proxy-Authorization", "Basic S2"), ("Cookie", "sid=S3"), ("X-Api-Key", "S4"),
            ("X-Session-Id", "S5"), ("X-Custom", "visible"), ("Set-Cookie", "S6"), ("X-Amz-Security-Token", "S7"), ("x-client-secret", "S8")));
        Assert.Equal("/orders/7?api_key=[redacted]&page=2&Signature=[redacted]&code=[redacted]&flag", sample.Target);
        Assert.False(sample.TargetTruncated);
        Assert.Equal(["Host", "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "X-Session-Id", "X-Custom", "Set-Cookie", "X-Amz-Security-Token", "x-client-secret"],
            sample.Headers.Select(h => h.Name));
        Assert.Equal(["a", "visible"], sample.Headers.Where(h => !h.Redacted).Select(h => h.Value));
        Assert.All(sample.Headers.Where(h => h.Redacted), h => Assert.Equal(RequestScrub.RedactedText, h.Value));
        Assert.Equal(0, sample.OmittedHeaders);

        // The configured names count whatever they are called; the rule over text gives the same answers as over bytes.
        Assert.True(RequestScrub.IsSecret("X-Partner", "x-partner"));
        Assert.False(RequestScrub.IsSecret("X-Partner", null));
        Assert.True(RequestScrub.IsSecret("pw"u8, "PW"u8));
        Assert.Equal("/a?pw=[redacted]&x=1", RequestScrub.Target("/a?pw=1&x=1", "pw"));
        foreach (var name in new[] { "Accept", "Content-Type", "User-Agent", "X-Request-Id", "Accept-Encoding", "Host" })
        {
            Assert.False(RequestScrub.IsSecret(name), name);
        }
    }

    [Fact]
    public void A_sample_stays_within_its_bounds_and_counts_what_it_leaves_out()
    {
        // 40 headers: 32 travel, 8 are counted; values cut at 256 bytes; a 70-byte name is left out.
        var headers = Enumerable.Range(0, 40).Select(h => ($"X-H{h}", new string('v', 300))).Prepend((new string('n', 70), "x")).ToArray();
        var sample = Decoded(Sample("/" + new string('p', 2000) + "?token=" + new string('t', 100), headers));
        Assert.True(sample.TargetTruncated);
        Assert.Equal(AnalyticsWire.MaxSampleTargetBytes, sample.Target.Length);
        Assert.DoesNotContain("token=t", sample.Target, StringComparison.Ordinal);

        // What fits in 4096 bytes after the 1 KiB target: about ten 256-byte values; everything else is counted.
        Assert.All(sample.Headers, h => Assert.Equal(AnalyticsWire.MaxSampleValueBytes, h.Value.Length));
        Assert.All(sample.Headers, h => Assert.True(h.Truncated));
        Assert.InRange(sample.Headers.Count, 8, 12);
        Assert.Equal(41 - sample.Headers.Count, sample.OmittedHeaders);
        var bytes = Sample("/" + new string('p', 2000), headers);
        Assert.True(bytes.Length <= AnalyticsWire.MaxSampleBytes);

        // Short values: the count bound is what stops it.
        var many = Decoded(Sample("/", [.. Enumerable.Range(0, 40).Select(h => ($"X-H{h}", "v"))]));
        Assert.Equal(AnalyticsWire.MaxSampleHeaders, many.Headers.Count);
        Assert.Equal(8, many.OmittedHeaders);
    }

    [Fact]
    public void Malformed_samples_are_format_errors_and_fuzzed_ones_never_crash()
    {
        var good = Sample("/a?b=c", ("Host", "h"), ("Authorization", "x"), ("X-Custom", "visible"));
        Assert.Equal("visible", Decoded(good).Headers[2].Value);
        byte[] Patched(int at, byte value)
        {
            var copy = (byte[])good.Clone();
            copy[at] = value;
            return copy;
        }

        // Layout: target length (2 bytes), "/a?b=c", flags, count, then "Host": name length at 10.
        Assert.Equal(6, good[0] & 0x7F);
        Assert.Equal(3, good[9]);
        Assert.Contains("sample headers", FormatError(Patched(9, 33)), StringComparison.Ordinal);
        Assert.Contains("target flags", FormatError(Patched(8, 4)), StringComparison.Ordinal);
        Assert.Contains("sample target has byte", FormatError(Patched(3, (byte)' ')), StringComparison.Ordinal);
        Assert.Contains("header name of 0", FormatError(Patched(10, 0)), StringComparison.Ordinal);
        Assert.Contains("not a token", FormatError(Patched(11, (byte)':')), StringComparison.Ordinal);
        Assert.Contains("header flags", FormatError(Patched(15, 8)), StringComparison.Ordinal);
        Assert.Contains("value has byte", FormatError(Patched(17, (byte)'\n')), StringComparison.Ordinal);

        // "Host" made redacted while it still carries its value.
        Assert.Contains("redacted sample header carries a value", FormatError(Patched(15, 2)), StringComparison.Ordinal);
        Assert.Contains("trailing bytes in the sample", FormatError([.. good, 0]), StringComparison.Ordinal);
        Assert.Contains("sample length", FormatError(new byte[AnalyticsWire.MaxSampleBytes + 1]), StringComparison.Ordinal);

        // Every truncation and random corruption of a sample: a format error or a sample, never anything else.
        for (var length = 0; length < good.Length; length++)
        {
            FormatError(good[..length]);
        }

        var random = new Random(5);
        var big = SampleBytes(37).ToArray();
        for (var trial = 0; trial < 3000; trial++)
        {
            var corrupt = (byte[])big.Clone();
            corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            try
            {
                Decoded(corrupt);
            }
            catch (AnalyticsFormatException)
            {
            }
        }
    }

    /// <summary>Encodes the bytes as a record's sample without checking them (as a hostile gateway could) and decodes.</summary>
    private static string FormatError(byte[] sample)
    {
        var record = new AnalyticsRecord { Status = 500, Sample = 1 };
        using var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.None);
        byte[] body;
        if (sample.Length <= AnalyticsWire.MaxSampleBytes)
        {
            body = encoder.Encode("gw", 1, 1, 0, [record], _ => "", _ => sample).ToArray();
        }
        else
        {
            // Over the bound the encoder refuses; write the length by hand over a 1-byte sample.
            body = encoder.Encode("gw", 1, 1, 0, [record], _ => "", _ => "x"u8).ToArray();
            var lengthAt = body.Length - 2;
            Assert.Equal(1, body[lengthAt]);
            var varint = new byte[] { (byte)(sample.Length | 0x80), (byte)(sample.Length >> 7) };
            var headerLength = AnalyticsWire.FixedHeaderLength + 2; // "gw"
            var payload = body[headerLength..lengthAt].Concat(varint).Concat(sample).ToArray();
            body = [.. body[..headerLength], .. payload];
            BitConverter.TryWriteBytes(body.AsSpan(36), payload.Length);
            BitConverter.TryWriteBytes(body.AsSpan(40), payload.Length);
        }

        try
        {
            AnalyticsBatchDecoder.Decode(body);
            return "";
        }
        catch (AnalyticsFormatException e)
        {
            return e.Message;
        }
    }

    [Fact]
    public void A_version_2_batch_from_an_older_gateway_still_decodes_without_samples()
    {
        var record = new AnalyticsRecord { UnixMicroseconds = 1_700_000_000_000_000, Status = 503, Route = 1 };
        record.RequestId.Set("abc"u8);
        using var encoder = new AnalyticsBatchEncoder(AnalyticsCompression.None);
        var v3 = encoder.Encode("gw", 1, 1, 1_700_000_000_000, [record], _ => "orders").ToArray();

        // Version 2 is version 3 without the sample length: drop it and fix the lengths.
        Assert.Equal(0, v3[^1]);
        var v2 = v3[..^1];
        v2[4] = 2;
        BitConverter.TryWriteBytes(v2.AsSpan(36), BitConverter.ToInt32(v3, 36) - 1);
        BitConverter.TryWriteBytes(v2.AsSpan(40), BitConverter.ToInt32(v3, 40) - 1);
        var batch = AnalyticsBatchDecoder.Decode(v2);
        var decoded = Assert.Single(batch.Records);
        Assert.Equal("orders", batch.NameOf(decoded.Route));
        Assert.Equal("abc", decoded.RequestId.ToString());
        Assert.Null(batch.SampleOf(decoded));

        // The same bytes labelled version 3 lack the sample length: a format error, not a misread.
        v2[4] = 3;
        Assert.Throws<AnalyticsFormatException>(() => AnalyticsBatchDecoder.Decode(v2));
    }

    private sealed class SampleComparer : IEqualityComparer<AnalyticsRequestSample>
    {
        public static readonly SampleComparer Instance = new();

        public bool Equals(AnalyticsRequestSample? x, AnalyticsRequestSample? y) =>
            x is not null && y is not null && x.Target == y.Target && x.TargetTruncated == y.TargetTruncated && x.OmittedHeaders == y.OmittedHeaders
            && x.Headers.SequenceEqual(y.Headers);

        public int GetHashCode(AnalyticsRequestSample obj) => obj.Target.GetHashCode(StringComparison.Ordinal);
    }
}
