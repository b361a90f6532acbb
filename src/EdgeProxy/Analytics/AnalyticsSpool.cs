using System.Globalization;

namespace EdgeProxy.Analytics;

/// <summary>
/// Batches waiting for the manager, one file each in <c>spool_dir</c>, oldest first. A file is written under a
/// temporary name and renamed, so a crash leaves either a whole batch or none; numbering continues across restarts
/// so the order holds. The total size is bounded: a batch that does not fit is refused (the caller counts the drop).
/// Used by the shipper thread only.
/// </summary>
internal sealed class AnalyticsSpool
{
    private const string Extension = ".epab";
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly Queue<(string Path, long Size)> _files = new();
    private long _next;

    public AnalyticsSpool(string directory, long maxBytes)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        Directory.CreateDirectory(directory);
        foreach (var leftover in Directory.GetFiles(directory, "*.tmp"))
        {
            File.Delete(leftover);
        }

        var existing = Directory.GetFiles(directory, "*" + Extension);
        Array.Sort(existing, StringComparer.Ordinal);
        foreach (var path in existing)
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                var size = new FileInfo(path).Length;
                _files.Enqueue((path, size));
                Bytes += size;
                _next = Math.Max(_next, n + 1);
            }
        }

        AnalyticsMetrics.SpoolBytes.Set(Bytes);
    }

    public long Bytes { get; private set; }

    public int Count => _files.Count;

    /// <summary>Writes the batch as the newest file; false (nothing written) when it would pass the bound or the disk fails.</summary>
    public bool TryAppend(ReadOnlySpan<byte> batch)
    {
        if (Bytes + batch.Length > _maxBytes)
        {
            return false;
        }

        // Zero-padded so that ordinal file-name order is append order.
        var path = Path.Combine(_directory, _next.ToString("D20", CultureInfo.InvariantCulture) + Extension);
        var temp = path + ".tmp";
        try
        {
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                file.Write(batch);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (IOException)
        {
            TryDelete(temp);
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        _next++;
        _files.Enqueue((path, batch.Length));
        Bytes += batch.Length;
        AnalyticsMetrics.SpoolBytes.Set(Bytes);
        return true;
    }

    /// <summary>The oldest batch's bytes; null when empty. An unreadable file is removed and <paramref name="error"/> set.</summary>
    public byte[]? PeekOldest(out Exception? error, out string? path)
    {
        error = null;
        path = null;
        if (_files.Count == 0)
        {
            return null;
        }

        path = _files.Peek().Path;
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e;
            RemoveOldest();
            return null;
        }
    }

    public void RemoveOldest()
    {
        var (path, size) = _files.Dequeue();
        TryDelete(path);
        Bytes -= size;
        AnalyticsMetrics.SpoolBytes.Set(Bytes);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left behind: a later start re-sends it and the manager drops the duplicate by its batch id.
        }
    }
}
