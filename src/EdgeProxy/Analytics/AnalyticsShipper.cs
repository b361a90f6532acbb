using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Policy.Analytics;
using EdgeProxy.Policy.Config;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Analytics;

/// <summary>
/// The background half of analytics, on its own thread: drains <see cref="AnalyticsCapture"/> into batches (by count
/// or by age), encodes and compresses each with the shared <see cref="AnalyticsBatchEncoder"/>, and POSTs it. When the
/// manager does not take it the batch goes to the <see cref="AnalyticsSpool"/>; while the spool holds anything, new
/// batches queue behind it, so the manager receives batches in the order they were made. Every lost record is
/// counted by reason.
/// </summary>
internal sealed class AnalyticsShipper : IDisposable
{
    private static readonly TimeSpan MinRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(2);

    /// <summary>Spooled batches re-sent per loop turn, so the ring keeps draining while a long backlog goes out.</summary>
    private const int SpoolBatchesPerTurn = 8;

    private readonly AnalyticsCapture _capture;
    private readonly AnalyticsSender _sender;
    private readonly AnalyticsSpool? _spool;
    private readonly AnalyticsBatchEncoder _encoder;
    private readonly ILogger _logger;
    private readonly string _gatewayId;
    private readonly ulong _instance;
    private readonly int _batchMax;
    private readonly TimeSpan _flushInterval;
    private readonly TimeSpan _shutdownTimeout;
    private readonly Func<int, string> _nameOf = AnalyticsNames.Of;
    private readonly AnalyticsSampleSource _sampleOf;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private ulong _sequence;
    private long _retryAt;
    private TimeSpan _retryDelay = MinRetry;
    private bool _down;
    private long _batchesSent;
    private long _recordsSent;
    private long _droppedSpoolFull;
    private long _droppedNoSpool;
    private long _droppedRejected;

    public AnalyticsShipper(AnalyticsSettings settings, string gatewayId, AnalyticsCapture capture, ILogger logger)
    {
        _capture = capture;
        _sampleOf = capture.Samples.Read;
        _logger = logger;
        _gatewayId = gatewayId;
        _instance = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        _batchMax = settings.BatchMaxRecords;
        _flushInterval = settings.FlushInterval;
        _shutdownTimeout = settings.Timeout + TimeSpan.FromSeconds(2);
        var compression = settings.Compression switch
        {
            "lz4" => AnalyticsCompression.Lz4,
            "none" => AnalyticsCompression.None,
            _ => AnalyticsCompression.Zstd,
        };
        _encoder = new AnalyticsBatchEncoder(compression);
        _sender = new AnalyticsSender(new Uri(settings.Endpoint), Encoding.UTF8.GetBytes(settings.Secret), settings.Timeout, TimeProvider.System);
        _spool = settings.SpoolDir.Length > 0 ? new AnalyticsSpool(settings.SpoolDir, settings.SpoolMaxBytes) : null;
        AnalyticsLog.Started(logger, settings.Endpoint, gatewayId, settings.Compression, _spool is null ? "off" : settings.SpoolDir);
        _thread = new Thread(Run) { IsBackground = true, Name = "edgeproxy-analytics" };
        _thread.Start();
    }

    /// <summary>Starts analytics when <c>[analytics] endpoint</c> is set; the capture goes to the request path.</summary>
    public static AnalyticsShipper? Start(GatewayConfig config, ILogger logger)
    {
        var settings = config.Analytics;
        if (settings.Endpoint.Length == 0)
        {
            return null;
        }

        var gatewayId = settings.GatewayId.Length > 0 ? settings.GatewayId : config.Gateway.Name;
        return new AnalyticsShipper(settings, gatewayId, new AnalyticsCapture(settings.Buffer, RequestSampleRing.DefaultSlots, settings.ErrorSamplesPerSecond), logger);
    }

    public AnalyticsCapture Capture => _capture;

    public ulong Instance => _instance;

    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    public long RecordsSent => Interlocked.Read(ref _recordsSent);

    public long DroppedSpoolFull => Interlocked.Read(ref _droppedSpoolFull);

    public long DroppedNoSpool => Interlocked.Read(ref _droppedNoSpool);

    public long DroppedRejected => Interlocked.Read(ref _droppedRejected);

    public long SpoolBytes => _spool?.Bytes ?? 0;

    /// <summary>Ships what the ring still holds (or spools it), then stops.</summary>
    public void Dispose()
    {
        _stopping = true;
        _thread.Join(_shutdownTimeout);
        _sender.Dispose();
        _encoder.Dispose();
    }

    private void Run()
    {
        var batch = new AnalyticsRecord[_batchMax];
        var count = 0;
        long firstAt = 0;
        while (true)
        {
            var took = false;
            while (count < batch.Length && _capture.TryTake(out batch[count]))
            {
                if (count == 0)
                {
                    firstAt = Stopwatch.GetTimestamp();
                }

                count++;
                took = true;
            }

            var stopping = _stopping;
            if (count > 0 && (count == batch.Length || stopping || Stopwatch.GetElapsedTime(firstAt) >= _flushInterval))
            {
                Ship(batch.AsSpan(0, count));
                count = 0;
                continue;
            }

            if (_spool is { Count: > 0 } && Stopwatch.GetTimestamp() >= _retryAt)
            {
                DrainSpool();
            }

            if (stopping && count == 0 && _capture.Pending == 0)
            {
                return;
            }

            if (!took)
            {
                Thread.Sleep(10);
            }
        }
    }

    private void Ship(ReadOnlySpan<AnalyticsRecord> records)
    {
        var body = _encoder.Encode(_gatewayId, _instance, ++_sequence, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), records, _nameOf, _sampleOf);

        // The samples are in the body now (sent or spooled from here on): their slots take new ones.
        foreach (ref readonly var record in records)
        {
            _capture.ReleaseSample(record.Sample);
        }

        // Batches queue behind the spool (order), and wait out the retry delay after a failure.
        if ((_spool is null || _spool.Count == 0) && Stopwatch.GetTimestamp() >= _retryAt)
        {
            if (Send(body, records.Length))
            {
                return;
            }
        }

        if (_spool is null)
        {
            Drop(ref _droppedNoSpool, "no_spool", records.Length);
        }
        else if (!_spool.TryAppend(body.Span))
        {
            Drop(ref _droppedSpoolFull, "spool_full", records.Length);
        }
    }

    private void DrainSpool()
    {
        for (var i = 0; i < SpoolBatchesPerTurn && _spool!.Count > 0; i++)
        {
            var body = _spool.PeekOldest(out var error, out var path);
            if (body is null)
            {
                AnalyticsLog.SpoolFileBad(_logger, error!, path!);
                continue;
            }

            int records;
            try
            {
                records = AnalyticsBatchDecoder.ReadHeader(body).RecordCount;
            }
            catch (AnalyticsFormatException e)
            {
                AnalyticsLog.SpoolFileBad(_logger, e, path!);
                _spool.RemoveOldest();
                continue;
            }

            if (!Send(body, records))
            {
                return;
            }

            _spool.RemoveOldest();
        }
    }

    /// <summary>True when the batch is done with (accepted, or rejected and counted); false to keep it for a retry.</summary>
    private bool Send(ReadOnlyMemory<byte> body, int records)
    {
        switch (_sender.Send(body, out var failure, out var status))
        {
            case SendOutcome.Accepted:
                Interlocked.Increment(ref _batchesSent);
                Interlocked.Add(ref _recordsSent, records);
                AnalyticsMetrics.BatchesSent.Inc();
                AnalyticsMetrics.RecordsSent.Inc(records);
                if (_down)
                {
                    _down = false;
                    AnalyticsLog.ManagerBack(_logger);
                }

                _retryDelay = MinRetry;
                return true;
            case SendOutcome.Rejected:
                AnalyticsLog.Rejected(_logger, records, status);
                Drop(ref _droppedRejected, "rejected", records);
                return true;
            default:
                AnalyticsMetrics.SendFailures.Inc();
                if (!_down)
                {
                    _down = true;
                    AnalyticsLog.ManagerDown(_logger, failure);
                }

                _retryAt = Stopwatch.GetTimestamp() + (long)(_retryDelay.TotalSeconds * Stopwatch.Frequency);
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, Math.Max(MaxRetry.Ticks, _flushInterval.Ticks)));
                return false;
        }
    }

    private static void Drop(ref long counter, string reason, int records)
    {
        Interlocked.Add(ref counter, records);
        AnalyticsMetrics.RecordsDropped.WithLabels(reason).Inc(records);
    }
}
