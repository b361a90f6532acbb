using Prometheus;

namespace EdgeProxy.Observability;

/// <summary>
/// A route's metric children, resolved once per route and status so the request path never looks up labels.
/// Kept across reloads by route id, because Prometheus counters are cumulative per label set anyway.
/// </summary>
internal sealed class RouteMetrics
{
    private readonly string _route;
    private readonly Counter.Child?[] _byStatus = new Counter.Child?[600];

    public RouteMetrics(string route)
    {
        _route = route;
        Duration = GatewayMetrics.RequestDuration.WithLabels(route);
        BytesIn = GatewayMetrics.BytesReceived.WithLabels(route);
        BytesOut = GatewayMetrics.BytesSent.WithLabels(route);
    }

    public Histogram.Child Duration { get; }

    public Counter.Child BytesIn { get; }

    public Counter.Child BytesOut { get; }

    public void Record(int status, double seconds, long bytesIn, long bytesOut)
    {
        var index = (uint)status < 600u ? status : 0;
        var counter = _byStatus[index] ??= GatewayMetrics.Requests.WithLabels(_route, GatewayMetrics.StatusLabel(status));
        counter.Inc();
        Duration.Observe(seconds);
        if (bytesIn > 0)
        {
            BytesIn.Inc(bytesIn);
        }

        if (bytesOut > 0)
        {
            BytesOut.Inc(bytesOut);
        }
    }
}
