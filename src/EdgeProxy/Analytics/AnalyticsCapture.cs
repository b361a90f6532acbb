using EdgeProxy.Observability;
using EdgeProxy.Policy.Analytics;

namespace EdgeProxy.Analytics;

/// <summary>
/// The request path's side of analytics: turns an <see cref="ExchangeRecord"/> into an unmanaged
/// <see cref="AnalyticsRecord"/> in a <see cref="BoundedRing{TSlot}"/> slot. Applies the route's sampling; a full
/// ring drops the record and counts it. The shipper thread takes the records out in order. An error record may carry
/// a request sample, written by the connection into a slot of <see cref="Samples"/> beforehand.
/// </summary>
internal sealed class AnalyticsCapture(int capacity, int sampleSlots = RequestSampleRing.DefaultSlots, int samplesPerSecond = AnalyticsCapture.DefaultSamplesPerSecond)
{
    public const int DefaultSamplesPerSecond = 50;

    private readonly BoundedRing<Slot> _ring = new(capacity);
    private long _dropped;
    private long _sampledOut;

    /// <summary>Records lost because the ring was full (the shipper fell behind).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Successful requests left out by their route's <c>sample</c>.</summary>
    public long SampledOut => Interlocked.Read(ref _sampledOut);

    public long Pending => _ring.Count;

    /// <summary>The request samples of error records (slots the shipper frees once it has encoded them).</summary>
    public RequestSampleRing Samples { get; } = new(sampleSlots, samplesPerSecond);

    /// <summary>Errors are always recorded (and may carry a sample): <see cref="AnalyticsRecord.IsErrorOutcome"/>'s rule.</summary>
    public static bool IsError(int status, Http.ProxyErrorKind error) => AnalyticsRecord.IsErrorOutcome(status, ToWire(error));

    /// <summary>The wire's mirror of the gateway's error kind (the same values; a test pins them together).</summary>
    private static AnalyticsErrorKind ToWire(Http.ProxyErrorKind error) => (AnalyticsErrorKind)(byte)error;

    /// <summary>Queues the record; <paramref name="sample"/> (a ticket of <see cref="Samples"/>, or 0) goes with it, or is freed when the record is not kept.</summary>
    public bool TryCapture(in ExchangeRecord e, ReadOnlySpan<byte> method, ReadOnlySpan<byte> requestId, int sample = 0)
    {
        var isError = IsError(e.Status, e.Error);
        if (e.Route is { } route && !route.Analytics.Keep(isError))
        {
            Interlocked.Increment(ref _sampledOut);
            ReleaseSample(sample);
            return false;
        }

        var slot = _ring.TryClaim();
        if (slot is null)
        {
            Interlocked.Increment(ref _dropped);
            AnalyticsMetrics.DroppedBufferFull.Inc();
            ReleaseSample(sample);
            return false;
        }

        ref var r = ref slot.Record;
        r.UnixMicroseconds = e.UnixMicroseconds;
        var names = e.Route?.Analytics;
        r.Route = names?.Name ?? 0;
        r.Api = names?.Api ?? 0;
        r.ApiVersion = names?.ApiVersion ?? 0;
        r.Consumer = e.Consumer?.AnalyticsName ?? 0;
        r.App = 0;
        r.Upstream = e.Upstream?.AnalyticsName ?? 0;
        r.Policy = e.DeniedBy;
        r.Client = ClientPrefix.Of(e.ClientAddress);
        r.Method = AnalyticsMethods.Of(method);
        r.Status = (short)e.Status;
        r.Cache = e.Cache;
        r.Error = ToWire(e.Error);
        r.TotalMicroseconds = e.DurationMicroseconds;
        r.UpstreamMicroseconds = e.UpstreamMicroseconds;
        r.OverheadMicroseconds = Math.Max(0, e.DurationMicroseconds - e.UpstreamMicroseconds);
        r.BytesIn = e.BytesIn;
        r.BytesOut = e.BytesOut;
        r.RequestId.Set(requestId);
        r.Sample = sample;
        _ring.Publish(slot);
        return true;
    }

    /// <summary>Frees a sample slot (0: nothing to free).</summary>
    public void ReleaseSample(int sample)
    {
        if (sample != 0)
        {
            Samples.Release(sample);
        }
    }

    /// <summary>Takes the oldest record; shipper thread only.</summary>
    public bool TryTake(out AnalyticsRecord record)
    {
        var slot = _ring.Peek();
        if (slot is null)
        {
            record = default;
            return false;
        }

        record = slot.Record;
        _ring.Release(slot);
        return true;
    }

    private sealed class Slot : RingSlot
    {
        public AnalyticsRecord Record;
    }
}
