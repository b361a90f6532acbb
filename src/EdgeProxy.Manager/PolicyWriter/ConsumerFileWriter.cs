using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>
/// Puts <c>manager-consumers.toml</c> into the gateway's config directory, never a file the gateway would reject:
/// the whole directory, with the new text in place of the old file, is loaded in memory by the gateway's own
/// ConfigLoader first. The write is a temp file named with a leading '.' (which the gateway's loader skips) in the
/// same directory, then an atomic rename, so the gateway's watcher never sees half a file.
/// </summary>
public sealed class ConsumerFileWriter
{
    public const string FileName = "manager-consumers.toml";

    private readonly string _directory;
    private readonly Lock _gate = new();

    public ConsumerFileWriter(string directory) => _directory = directory;

    public string FilePath => Path.Combine(_directory, FileName);

    /// <summary>Validates and writes; throws <see cref="PolicyRejectedException"/> (and writes nothing) on any error.</summary>
    public void Write(string text)
    {
        lock (_gate)
        {
            var errors = Validate(text);
            if (errors.Count > 0)
            {
                throw new PolicyRejectedException(errors);
            }

            var temp = Path.Combine(_directory, "." + FileName + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream))
                {
                    writer.Write(text);
                    writer.Flush();
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temp, FilePath, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }
    }

    /// <summary>Every error the gateway would report for the directory with <paramref name="text"/> as the manager's file.</summary>
    public IReadOnlyList<ConfigError> Validate(string text)
    {
        var root = Path.GetFullPath(_directory);
        var files = new List<(string Relative, string Path, string Text)>();
        var target = Path.GetFullPath(FilePath);
        try
        {
            // The same selection as ConfigLoader.Load on a directory: *.toml below it, no name starting with '.'.
            foreach (var file in Directory.EnumerateFiles(root, "*.toml", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.StartsWith('.') || relative.Contains("/.", StringComparison.Ordinal) || Path.GetFullPath(file) == target)
                {
                    continue;
                }

                files.Add((relative, file, File.ReadAllText(file)));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [new ConfigError(_directory, 1, 1, $"cannot read the config directory: {e.Message}")];
        }

        files.Add((FileName, target, text));
        files.Sort((a, b) => StringComparer.Ordinal.Compare(a.Relative, b.Relative));
        var result = ConfigLoader.LoadFiles([.. files.Select(f => (f.Path, f.Text))]);
        return result.Errors;
    }
}
