namespace EdgeProxy.Config;

/// <summary>
/// Reloads when a file under the config path changes. Editors and atomic renames produce bursts of events,
/// so changes are debounced into one reload.
/// </summary>
internal sealed class ConfigWatcher : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;
    private readonly TimeSpan _delay;

    public ConfigWatcher(PolicyStore store, TimeSpan debounce)
    {
        _delay = debounce;
        _debounce = new Timer(static state => ((PolicyStore)state!).Reload(), store, Timeout.Infinite, Timeout.Infinite);
        var full = System.IO.Path.GetFullPath(store.Path);
        var isDirectory = Directory.Exists(full);
        _watcher = new FileSystemWatcher(isDirectory ? full : System.IO.Path.GetDirectoryName(full)!)
        {
            IncludeSubdirectories = isDirectory,
            Filter = isDirectory ? "*.toml" : System.IO.Path.GetFileName(full),
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.DirectoryName,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.EnableRaisingEvents = true;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _debounce.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => _debounce.Change(_delay, Timeout.InfiniteTimeSpan);
}
