using System.Diagnostics;
using System.Net;
using EdgeProxy.LoadTests.Http;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>
/// An SSE step: subscribe on a fresh connection, record the time to the first event as the step's latency, count
/// events until <c>events</c> have arrived or <c>stream_duration</c> has passed, then close.
/// </summary>
internal static class SseSubscription
{
    public static async ValueTask<bool> RunAsync(CompiledStep step, EndPoint endPoint, Watchdog watchdog, IterationContext context, long? backlog)
    {
        var stats = step.Stats;
        var config = step.Config;
        using var connection = new HttpConnection(endPoint);
        watchdog.Add(connection);
        try
        {
            var scratch = Array.Empty<byte>();
            var observer = new EventCounter(config.Events);
            var sent = Stopwatch.GetTimestamp();
            var streamEnd = sent + VirtualUser.Ticks(config.StreamDuration);
            var result = await connection.ExchangeAsync(step.Request.Render(context, ref scratch), headRequest: false, streamEnd, observer).ConfigureAwait(false);
            var origin = OpenModelPacing.LatencyOrigin(backlog, sent);
            stats.Events(observer.Events);
            if (result.Status != 0 && !config.ExpectStatus.Contains(result.Status))
            {
                stats.Failure(ErrorKind.UnexpectedStatus, result.Status, VirtualUser.Micros(Stopwatch.GetTimestamp() - origin));
                return false;
            }

            if (observer.FirstEventAt == 0)
            {
                // No event at all: the stream timed out (or ended) silently.
                stats.Failure(result.Error is ErrorKind.None or ErrorKind.Timeout ? ErrorKind.Timeout : result.Error, result.Status, -1);
                return false;
            }

            var ttfe = VirtualUser.Micros(observer.FirstEventAt - origin);
            if (result.Error is not (ErrorKind.None or ErrorKind.Timeout))
            {
                stats.Failure(result.Error, result.Status, ttfe);
                return false;
            }

            // A timeout here is the end of stream_duration: the subscription was held as long as asked.
            stats.Success(result.Status, ttfe);
            return true;
        }
        finally
        {
            watchdog.Remove(connection);
        }
    }

    /// <summary>Counts events (blocks of field lines ended by a blank line; comment-only blocks are not events).</summary>
    internal sealed class EventCounter(int stopAfter) : IBodyObserver
    {
        private bool _atLineStart = true;
        private bool _blockHasField;

        public long Events { get; private set; }

        public long FirstEventAt { get; private set; }

        public bool OnBody(ReadOnlySpan<byte> data)
        {
            foreach (var b in data)
            {
                if (b == '\r')
                {
                    continue;
                }

                if (b == '\n')
                {
                    if (_atLineStart && _blockHasField)
                    {
                        Events++;
                        _blockHasField = false;
                        if (FirstEventAt == 0)
                        {
                            FirstEventAt = Stopwatch.GetTimestamp();
                        }

                        if (stopAfter > 0 && Events >= stopAfter)
                        {
                            return false;
                        }
                    }

                    _atLineStart = true;
                    continue;
                }

                if (_atLineStart && b != ':')
                {
                    _blockHasField = true;
                }

                _atLineStart = false;
            }

            return true;
        }
    }
}
