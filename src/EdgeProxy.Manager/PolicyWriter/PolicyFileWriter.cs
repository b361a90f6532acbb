using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.PolicyWriter;

/// <summary>
/// Puts the manager's files (<c>manager-plans.toml</c>, <c>manager-apis.toml</c>, <c>manager-consumers.toml</c>) into the gateway's config
/// directory, never a set the gateway would reject: the whole directory, with the new texts in place of the old
/// files, is loaded in memory by the gateway's own ConfigLoader first. Each write is a temp file named with a
/// leading '.' (which the gateway's loader skips) in the same directory, then an atomic rename, so the gateway's
/// watcher never sees half a file. Files are written in the given order: plans and APIs before the consumers that
/// name them, so a reload between two renames also sees a valid table (plans and APIs are never removed).
/// </summary>
public sealed class PolicyFileWriter
{
    public const string PlansFile = "manager-plans.toml";
    public const string ApisFile = "manager-apis.toml";
    public const string ConsumersFile = "manager-consumers.toml";

    private readonly string _directory;
    private readonly Lock _gate = new();

    public PolicyFileWriter(string directory) => _directory = directory;

    /// <summary>Validates and writes; throws <see cref="PolicyRejectedException"/> (and writes nothing) on any error.</summary>
    public void Write(IReadOnlyList<(string Name, string Text)> files)
    {
        lock (_gate)
        {
            var errors = Validate(files);
            if (errors.Count > 0)
            {
                throw new PolicyRejectedException(errors);
            }

            foreach (var (name, text) in files)
            {
                var path = Path.Combine(_directory, name);
                if (File.Exists(path) && File.ReadAllText(path) == text)
                {
                    continue; // unchanged: no rename, so the gateway has nothing to reload
                }

                WriteAtomically(path, text);
            }
        }
    }

    /// <summary>Every error the gateway would report for the directory with <paramref name="replacements"/> as the manager's files.</summary>
    public IReadOnlyList<ConfigError> Validate(IReadOnlyList<(string Name, string Text)> replacements)
    {
        var root = Path.GetFullPath(_directory);
        var targets = replacements.Select(r => Path.GetFullPath(Path.Combine(root, r.Name))).ToHashSet(StringComparer.Ordinal);
        var files = new List<(string Relative, string Path, string Text)>();
        try
        {
            // The same selection as ConfigLoader.Load on a directory: *.toml below it, no name starting with '.'.
            foreach (var file in Directory.EnumerateFiles(root, "*.toml", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.StartsWith('.') || relative.Contains("/.", StringComparison.Ordinal) || targets.Contains(Path.GetFullPath(file)))
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

        foreach (var (name, text) in replacements)
        {
            files.Add((name, Path.Combine(root, name), text));
        }

        files.Sort((a, b) => StringComparer.Ordinal.Compare(a.Relative, b.Relative));
        return ConfigLoader.LoadFiles([.. files.Select(f => (f.Path, f.Text))]).Errors;
    }

    private void WriteAtomically(string path, string text)
    {
        var temp = Path.Combine(_directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
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
