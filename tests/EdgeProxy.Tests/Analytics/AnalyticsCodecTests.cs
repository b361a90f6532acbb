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
        }

        return records;
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
        encoder.Encode("other", 1, 1, created, records.AsSpan(0, 10), id => Names[id]);
        var body = encoder.Encode("gw-1", 0xDEADBEEFCAFEUL, 42, created, records, id => Names[id]).ToArray();
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
            Assert.Equal(want, got);
        }

        // Only names the batch uses travel with it.
        Assert.DoesNotContain("other", batch.Names);
        Assert.Equal(batch.Names.Length, batch.Names.Distinct().Count());
        if (compression != AnalyticsCompression.None)
        {
            using var plain = new AnalyticsBatchEncoder(AnalyticsCompression.None);
            var plainLength = plain.Encode("gw-1", 1, 42, created, records, id => Names[id]).Length;
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
        var body = encoder.Encode("gw", 9, 3, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), SampleRecords(40, 1_700_000_000_000_000), id => Names[id]).ToArray();
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
        Assert.Equal(2, body[4]);
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

        // The id is the record's last field: a length byte, then the bytes.
        Assert.Equal(24, body[^25]);
        var unsafeCharacter = (byte[])body.Clone();
        unsafeCharacter[^1] = (byte)'<';
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
}
