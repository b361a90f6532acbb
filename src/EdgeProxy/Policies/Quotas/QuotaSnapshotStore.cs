using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeProxy.Policies.Quotas;

/// <summary>
/// Makes quota counts survive restarts: <see cref="Restore"/> at start-up, <see cref="Save"/> periodically and
/// on shutdown (<see cref="RunAsync"/> does both). A save writes a temporary file, flushes it to disk and renames
/// it over <c>quotas.json</c>, so a crash leaves either the old or the new snapshot, never a torn one; at most one
/// snapshot interval of counting is lost. A snapshot that cannot be parsed is reported and moved aside; it never
/// stops the gateway.
/// </summary>
internal sealed class QuotaSnapshotStore
{
    public const string FileName = "quotas.json";

    private readonly QuotaCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _saveLock = new();

    public QuotaSnapshotStore(string directory, QuotaCounters counters, TimeProvider? time = null, ILogger? logger = null)
    {
        Directory = directory;
        FilePath = Path.Combine(directory, FileName);
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public string Directory { get; }

    public string FilePath { get; }

    /// <summary>Loads the snapshot into the counters. Never throws for a bad or unreadable file.</summary>
    public QuotaRestoreResult Restore()
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(FilePath))
            {
                return new QuotaRestoreResult(QuotaRestoreStatus.NotFound, 0, null, null, null);
            }

            bytes = File.ReadAllBytes(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PolicyLog.QuotaSnapshotUnreadable(_logger, FilePath, e.Message);
            return new QuotaRestoreResult(QuotaRestoreStatus.Unreadable, 0, e.Message, null, null);
        }

        var problem = Parse(bytes, out var snapshot);
        if (problem is not null)
        {
            var movedTo = MoveAside(ref problem);
            PolicyLog.QuotaSnapshotCorrupt(_logger, FilePath, problem, movedTo ?? "(not moved)");
            return new QuotaRestoreResult(QuotaRestoreStatus.Corrupt, 0, problem, movedTo, null);
        }

        var consumers = _counters.Restore(snapshot!);
        PolicyLog.QuotasRestored(_logger, FilePath, consumers, snapshot!.SavedAt);
        return new QuotaRestoreResult(QuotaRestoreStatus.Restored, consumers, null, null, snapshot.SavedAt);
    }

    /// <summary>Writes the current counts atomically. False (logged) when the disk refuses; counting goes on either way.</summary>
    public bool Save()
    {
        lock (_saveLock)
        {
            var temporary = FilePath + ".tmp";
            try
            {
                System.IO.Directory.CreateDirectory(Directory);
                var snapshot = _counters.Capture(_time.GetUtcNow());
                using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    JsonSerializer.Serialize(stream, snapshot, QuotaJsonContext.Default.QuotaSnapshotFile);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, FilePath, overwrite: true);
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                PolicyLog.QuotaSnapshotFailed(_logger, FilePath, e.Message);
                TryDelete(temporary);
                return false;
            }
        }
    }

    /// <summary>Saves every <paramref name="interval"/> until <paramref name="stopping"/> fires, then once more (shutdown).</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                Save();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // shutting down: the final save below
        }

        Save();
    }

    /// <summary>Null when <paramref name="bytes"/> is a valid snapshot; otherwise why not.</summary>
    internal static string? Parse(ReadOnlySpan<byte> bytes, out QuotaSnapshotFile? snapshot)
    {
        snapshot = null;
        try
        {
            snapshot = JsonSerializer.Deserialize(bytes, QuotaJsonContext.Default.QuotaSnapshotFile);
        }
        catch (JsonException e)
        {
            return $"not valid JSON: {e.Message}";
        }

        if (snapshot is null)
        {
            return "empty document";
        }

        if (snapshot.Format != QuotaSnapshotFile.CurrentFormat)
        {
            return $"unknown format {snapshot.Format}";
        }

        foreach (var consumer in snapshot.Consumers)
        {
            if (consumer is null || string.IsNullOrEmpty(consumer.Id) || consumer.Counters is null)
            {
                return "a consumer entry without an id";
            }

            foreach (var counter in consumer.Counters)
            {
                if (counter is null || counter.Count < 0 || counter.Count > ConsumerQuota.CountMask)
                {
                    return $"consumer '{consumer.Id}' has a count out of range";
                }
            }
        }

        return null;
    }

    private string? MoveAside(ref string problem)
    {
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var target = $"{FilePath}.corrupt-{stamp}";
        for (var n = 1; File.Exists(target); n++)
        {
            target = $"{FilePath}.corrupt-{stamp}-{n}";
        }

        try
        {
            File.Move(FilePath, target);
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem += $"; moving it aside failed: {e.Message}";
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the next save overwrites it.
        }
    }
}
