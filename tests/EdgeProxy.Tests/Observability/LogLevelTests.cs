using System.Collections.Concurrent;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Tests.Observability;

/// <summary><c>[gateway] log_level</c>: which of the gateway's lines reach the log, changed by a reload.</summary>
public sealed class LogLevelTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Log_level_filters_the_gateways_lines_and_a_reload_changes_it()
    {
        var lines = new LineSink();
        await using var gateway = await TestGateway.StartAsync(TestGateway.MainToml(gateway: "log_level = \"warning\""), watch: false,
            logging => logging.AddProvider(lines));
        using var http = new HttpClient { Timeout = Wait };

        // At warning: neither the start-up's "loaded" (information) nor a bad request (debug) is written.
        await SendBadRequestAsync(gateway);
        Assert.DoesNotContain(lines.Snapshot(), l => l.Category.StartsWith("EdgeProxy", StringComparison.Ordinal) && l.Level < LogLevel.Warning);

        // A broken config is an error: written at warning.
        await gateway.WriteFileAsync("broken.toml", "[gateway]\nlog_level = \"loud\"\n");
        Assert.False((await http.PostAsync(gateway.AdminUrl + "/reload", null)).IsSuccessStatusCode);
        Assert.Contains(lines.Snapshot(), l => l.Level == LogLevel.Error && l.Message.Contains("'log_level' in [gateway] must be one of", StringComparison.Ordinal));
        File.Delete(Path.Combine(gateway.Directory, "broken.toml"));

        // Reloaded at debug: the reload's own "loaded" line and the next bad request's line are written.
        await gateway.WriteFileAsync("main.toml", TestGateway.MainToml(gateway: "log_level = \"debug\""));
        Assert.True((await http.PostAsync(gateway.AdminUrl + "/reload", null)).IsSuccessStatusCode);
        Assert.Contains(lines.Snapshot(), l => l.Level == LogLevel.Information && l.Message.StartsWith("Config ", StringComparison.Ordinal) && l.Message.Contains(" loaded from ", StringComparison.Ordinal));
        await SendBadRequestAsync(gateway);
        await TestWait.UntilAsync(() => lines.Snapshot().Any(l => l.Level == LogLevel.Debug && l.Message.StartsWith("Bad request from 127.0.0.1", StringComparison.Ordinal)), Wait);

        // Kestrel's own lines stay at warning or above whatever the gateway's level is.
        Assert.DoesNotContain(lines.Snapshot(), l => l.Category.StartsWith("Microsoft", StringComparison.Ordinal) && l.Level < LogLevel.Warning);

        // Reloaded off: nothing more is written, not even errors.
        await gateway.WriteFileAsync("main.toml", TestGateway.MainToml(gateway: "log_level = \"off\""));
        Assert.True((await http.PostAsync(gateway.AdminUrl + "/reload", null)).IsSuccessStatusCode);
        var before = lines.Snapshot().Count;
        await gateway.WriteFileAsync("broken.toml", "[gateway]\nname = \"a b\"\n");
        Assert.False((await http.PostAsync(gateway.AdminUrl + "/reload", null)).IsSuccessStatusCode);
        await SendBadRequestAsync(gateway);
        Assert.Equal(before, lines.Snapshot().Count);
    }

    // Whitespace before the colon: a 400 and a close, and a debug line naming the client.
    private static async Task SendBadRequestAsync(TestGateway gateway)
    {
        using var client = gateway.Connect();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nBad : header\r\n\r\n");
        Assert.Equal(400, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedAsync());
    }

    private sealed record Line(string Category, LogLevel Level, string Message);

    /// <summary>Keeps every line the logger factory lets through.</summary>
    private sealed class LineSink : ILoggerProvider
    {
        private readonly ConcurrentQueue<Line> _lines = new();

        public List<Line> Snapshot() => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(new Line(category, logLevel, formatter(state, exception)));
        }
    }
}
