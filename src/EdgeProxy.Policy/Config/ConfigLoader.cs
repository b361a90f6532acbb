using System.Security.Cryptography;
using System.Text;
using EdgeProxy.Policy.Config.Loading;
using EdgeProxy.Policy.Config.Validation;
using Tomlyn.Parsing;

namespace EdgeProxy.Policy.Config;

/// <summary>
/// Reads a config file set, parses it, merges it and validates all of it (STYLE pattern 2): every error of
/// every file is reported in one pass, each at <c>file:line:column</c>, and any error withholds the config.
/// </summary>
public static class ConfigLoader
{
    // Order matters only for the order of messages at equal positions; each validator is independent.
    private static readonly IConfigValidator[] Validators =
    [
        new GatewayValidator(),
        new ListenerValidator(),
        new ClusterValidator(),
        new RouteValidator(),
        new RouteConflictValidator(),
        new RateLimitValidator(),
        new PlanValidator(),
        new ConsumerValidator(),
        new AccessSettingsValidator(),
        new CacheValidator(),
        new ApiValidator(),
        new AnalyticsValidator(),
    ];

    /// <summary>
    /// Loads <paramref name="path"/>: a single file, or a directory whose <c>*.toml</c> files (recursively,
    /// ordered by relative path) form one config. Files and directories whose names start with '.' are
    /// skipped: editors, git and Kubernetes ConfigMap mounts (<c>..data</c>) keep copies there, which would
    /// otherwise load twice.
    /// </summary>
    public static ConfigLoadResult Load(string path)
    {
        var sources = new List<SourceFile>();
        if (Directory.Exists(path))
        {
            var root = Path.GetFullPath(path);
            var relativeNames = new List<string>();
            try
            {
                foreach (var file in Directory.EnumerateFiles(root, "*.toml", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                {
                    var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                    if (!relative.StartsWith('.') && !relative.Contains("/.", StringComparison.Ordinal))
                    {
                        relativeNames.Add(relative);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Failed(path, $"cannot list the config directory: {e.Message}");
            }

            relativeNames.Sort(StringComparer.Ordinal);
            if (relativeNames.Count == 0)
            {
                return Failed(path, "the config directory contains no *.toml files");
            }

            foreach (var relative in relativeNames)
            {
                sources.Add(Read(Path.Join(path, relative), relative));
            }
        }
        else if (File.Exists(path))
        {
            sources.Add(Read(path, Path.GetFileName(path)));
        }
        else
        {
            return Failed(path, "no such file or directory");
        }

        return LoadCore(sources);
    }

    /// <summary>
    /// Loads files already in memory, in the given order, as if they were one directory: for tests, and for
    /// checking a file about to be written together with the files it will sit beside. Relative TLS paths
    /// resolve against each <c>Path</c>'s directory.
    /// </summary>
    public static ConfigLoadResult LoadFiles(IReadOnlyList<(string Path, string Text)> files)
    {
        var sources = new List<SourceFile>(files.Count);
        foreach (var (path, text) in files)
        {
            sources.Add(new SourceFile(path, path.Replace('\\', '/'), text, null));
        }

        return LoadCore(sources);
    }

    private static SourceFile Read(string path, string relativeName)
    {
        try
        {
            return new SourceFile(path, relativeName, File.ReadAllText(path), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SourceFile(path, relativeName, null, e.Message);
        }
    }

    private static ConfigLoadResult LoadCore(List<SourceFile> sources)
    {
        var errors = new List<ConfigError>();
        var start = new SourcePosition(sources.Count > 0 ? sources[0].Path : "", 1, 1);
        var positions = new ConfigPositions(start);
        var fragments = new List<ConfigFragment>();
        var complete = true;
        foreach (var source in sources)
        {
            if (source.Text is null)
            {
                errors.Add(new ConfigError(source.Path, 1, 1, $"cannot read the file: {source.ReadError}"));
                complete = false;
                continue;
            }

            var root = Parse(source, errors);
            if (root is null)
            {
                complete = false;
                continue;
            }

            fragments.Add(ConfigMapper.Map(root, new MapContext(source.Path, errors, positions)));
        }

        var config = ConfigMerger.Merge(fragments, positions, errors);
        var context = new ValidationContext(config, positions, errors, complete, start);
        foreach (var validator in Validators)
        {
            validator.Validate(context);
        }

        var files = sources.ConvertAll(s => s.Path);
        return new ConfigLoadResult(errors.Count == 0 ? config : null, Sort(errors, files), files, ComputeVersion(sources));
    }

    /// <summary>The file's TOML tree, or null (with errors added) when it has syntax errors.</summary>
    private static TomlTable? Parse(SourceFile source, List<ConfigError> errors)
    {
        Tomlyn.Syntax.DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(source.Text!, source.Path, validate: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Tomlyn reports problems as diagnostics; a throw is a parser bug, still the file's problem to report.
            errors.Add(new ConfigError(source.Path, 1, 1, $"cannot parse the file: {e.Message}"));
            return null;
        }

        if (!document.HasErrors)
        {
            return TomlTreeBuilder.Build(document, source.Path, errors);
        }

        // One error per line: after the first, Tomlyn's recovery often reports the rest of the line again.
        var lastLine = -1;
        foreach (var diagnostic in document.Diagnostics)
        {
            var line = Math.Max(1, diagnostic.Span.Start.Line + 1);
            if (diagnostic.Kind == Tomlyn.Syntax.DiagnosticMessageKind.Error && line != lastLine)
            {
                errors.Add(new SourcePosition(source.Path, line, Math.Max(1, diagnostic.Span.Start.Column + 1)).Error(diagnostic.Message));
                lastLine = line;
            }
        }

        return null;
    }

    // Errors come from several passes (syntax, mapping, each validator); a reader wants them file by file, top down.
    private static List<ConfigError> Sort(List<ConfigError> errors, List<string> files) =>
        [.. errors.OrderBy(e => files.IndexOf(e.File)).ThenBy(e => e.Line).ThenBy(e => e.Column)];

    private static string ComputeVersion(List<SourceFile> sources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var source in sources)
        {
            // Length-prefixed so that moving text from the end of one file to the next name changes the id.
            AppendField(hash, source.RelativeName);
            AppendField(hash, source.Text ?? "\0unreadable\0" + source.ReadError);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static void AppendField(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }

    private static ConfigLoadResult Failed(string path, string message) =>
        new(null, [new ConfigError(path, 1, 1, message)], [], ComputeVersion([]));

    private readonly record struct SourceFile(string Path, string RelativeName, string? Text, string? ReadError);
}
