using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace EdgeProxy.Manager.Analytics;

/// <summary>
/// With <c>--analytics-otlp URL</c>, exports <see cref="AnalyticsMeter"/> (cumulative sums) over OTLP/HTTP protobuf
/// to <c>URL/v1/metrics</c> every <see cref="AnalyticsSettings.OtlpInterval"/>; without it, nothing listens to
/// the meter. Runs for the host's lifetime; a last export is attempted on shutdown.
/// </summary>
public sealed class OtlpMetricsExport(ManagerOptions options) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Analytics.OtlpEndpoint is not { } endpoint)
        {
            return Task.CompletedTask;
        }

        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("edgeproxy-manager"))
            .AddMeter(options.Analytics.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.Analytics.OtlpInterval.TotalMilliseconds;
            })
            .Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(5000);
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();
}
