using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;
using EdgeProxy.Tests.Config;

namespace EdgeProxy.Tests.Policies;

/// <summary>Quota counts across restarts, with real files.</summary>
public sealed class QuotaSnapshotTests
{
    private static readonly DateTimeOffset Now = new(2025, 5, 5, 12, 0, 30, TimeSpan.Zero);
    private static readonly QuotaRule[] Rules = [new(QuotaPeriod.Day, 1000)];

    [Fact]
    public void Counts_are_exact_across_a_restart()
    {
        using var dir = new TempConfigDirectory();
        var clock = new VirtualClock();
        clock.SetUtcNow(Now);
        var before = new QuotaCounters();
        for (var i = 0; i < 250; i++)
        {
            before.For("acme").TryConsume(Rules, Now, []);
        }

        before.For("zed").TryConsume(Rules, Now, []);
        Assert.True(new QuotaSnapshotStore(dir.Path, before, clock).Save());
        Assert.Equal([QuotaSnapshotStore.FileName], Directory.GetFiles(dir.Path).Select(Path.GetFileName));

        var after = new QuotaCounters();
        var restored = new QuotaSnapshotStore(dir.Path, after, clock).Restore();

        Assert.Equal((QuotaRestoreStatus.Restored, 2), (restored.Status, restored.Consumers));
        Assert.Equal(Now, restored.SavedAt);
        foreach (var period in Enum.GetValues<QuotaPeriod>())
        {
            Assert.Equal(250, after.For("acme").Used(period, Now));
            Assert.Equal(1, after.For("zed").Used(period, Now));
        }

        // Counting goes on from the restored value, up to the limit exactly.
        var allowed = 0;
        while (after.For("acme").TryConsume(Rules, Now, []).Allowed)
        {
            allowed++;
        }

        Assert.Equal(750, allowed);
    }

    [Fact]
    public void Counts_of_periods_that_ended_while_down_are_not_restored_into_the_new_one()
    {
        using var dir = new TempConfigDirectory();
        var clock = new VirtualClock();
        clock.SetUtcNow(Now);
        var before = new QuotaCounters();
        before.For("acme").TryConsume(Rules, Now, []);
        new QuotaSnapshotStore(dir.Path, before, clock).Save();

        var after = new QuotaCounters();
        new QuotaSnapshotStore(dir.Path, after, clock).Restore();
        var nextDay = Now.AddDays(1);

        Assert.Equal(0, after.For("acme").Used(QuotaPeriod.Day, nextDay));
        Assert.Equal(1, after.For("acme").Used(QuotaPeriod.Month, nextDay));
    }

    [Fact]
    public void No_snapshot_yet_is_not_an_error()
    {
        using var dir = new TempConfigDirectory();

        var result = new QuotaSnapshotStore(Path.Combine(dir.Path, "not-created-yet"), new QuotaCounters()).Restore();

        Assert.Equal(QuotaRestoreStatus.NotFound, result.Status);
    }

    [Theory]
    [InlineData("{\"format\":1,\"saved_at\":\"2025-05-05T12:00:00Z\",\"consumers\":[{\"id\":\"acme\",\"counters\":[{\"period\":\"day\",\"start\":\"2025-05-05T00:00:00Z\",\"count\":3", "not valid JSON")]
    [InlineData("\u0000\u0001garbage", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("null", "empty document")]
    [InlineData("{\"format\":99,\"consumers\":[]}", "unknown format 99")]
    [InlineData("{\"format\":1,\"consumers\":[{\"counters\":[]}]}", "without an id")]
    [InlineData("{\"format\":1,\"consumers\":[{\"id\":\"a\",\"counters\":[{\"period\":\"day\",\"count\":-5}]}]}", "out of range")]
    public void A_corrupt_snapshot_is_reported_moved_aside_and_counting_starts_from_zero(string content, string reason)
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write(QuotaSnapshotStore.FileName, content);
        var clock = new VirtualClock();
        clock.SetUtcNow(Now);
        var logger = new ListLogger();
        var counters = new QuotaCounters();

        var result = new QuotaSnapshotStore(dir.Path, counters, clock, logger).Restore();

        Assert.Equal(QuotaRestoreStatus.Corrupt, result.Status);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Equal(file + ".corrupt-20250505T120030Z", result.MovedTo);
        Assert.Equal(content, File.ReadAllText(result.MovedTo!));
        Assert.Equal(0, counters.Count);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal((Microsoft.Extensions.Logging.LogLevel.Error, 401), (entry.Level, entry.EventId));

        // The next save writes a fresh snapshot beside the set-aside one; a second corrupt file gets its own name.
        Assert.True(new QuotaSnapshotStore(dir.Path, counters, clock).Save());
        File.WriteAllText(file, "{");
        var second = new QuotaSnapshotStore(dir.Path, counters, clock).Restore();
        Assert.Equal(file + ".corrupt-20250505T120030Z-1", second.MovedTo);
    }

    [Fact]
    public void Unknown_period_names_from_a_newer_version_are_skipped()
    {
        using var dir = new TempConfigDirectory();
        dir.Write(QuotaSnapshotStore.FileName, """
            {"format":1,"saved_at":"2025-05-05T12:00:00Z","consumers":[{"id":"acme","counters":[
              {"period":"week","start":"2025-05-05T00:00:00Z","count":9},
              {"period":"day","start":"2025-05-05T00:00:00Z","count":4}]}]}
            """);
        var counters = new QuotaCounters();

        var result = new QuotaSnapshotStore(dir.Path, counters).Restore();

        Assert.Equal(QuotaRestoreStatus.Restored, result.Status);
        Assert.Equal(4, counters.For("acme").Used(QuotaPeriod.Day, Now));
    }

    [Fact]
    public void A_failed_save_is_logged_and_leaves_the_previous_snapshot()
    {
        using var dir = new TempConfigDirectory();
        var counters = new QuotaCounters();
        counters.For("acme").TryConsume(Rules, Now, []);
        var store = new QuotaSnapshotStore(dir.Path, counters);
        Assert.True(store.Save());
        var previous = File.ReadAllText(store.FilePath);

        // A directory where the temporary file should go makes the write fail whatever user runs the tests.
        Directory.CreateDirectory(store.FilePath + ".tmp");
        var logger = new ListLogger();
        counters.For("acme").TryConsume(Rules, Now, []);

        Assert.False(new QuotaSnapshotStore(dir.Path, counters, logger: logger).Save());
        Assert.Equal(previous, File.ReadAllText(store.FilePath));
        Assert.Equal(403, Assert.Single(logger.Entries).EventId);
    }

    [Fact]
    public async Task The_periodic_loop_saves_once_more_on_shutdown()
    {
        using var dir = new TempConfigDirectory();
        var counters = new QuotaCounters();
        var store = new QuotaSnapshotStore(dir.Path, counters);
        using var stop = new CancellationTokenSource();
        var loop = store.RunAsync(TimeSpan.FromHours(1), stop.Token);
        counters.For("acme").TryConsume(Rules, DateTimeOffset.UtcNow, []);

        await stop.CancelAsync();
        await loop;

        var after = new QuotaCounters();
        Assert.Equal(QuotaRestoreStatus.Restored, new QuotaSnapshotStore(dir.Path, after).Restore().Status);
        Assert.Equal(1, after.For("acme").Used(QuotaPeriod.Day, DateTimeOffset.UtcNow));
    }

    /// <summary>Collects log entries so a test can check level and event id.</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<(Microsoft.Extensions.Logging.LogLevel Level, int EventId, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId.Id, formatter(state, exception)));
    }
}
