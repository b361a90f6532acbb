using EdgeProxy.Policy.Config;

namespace EdgeProxy.Manager.Catalog;

/// <summary>
/// The gateway's policy table as the manager last read it (with EdgeProxy.Policy's ConfigLoader, the same
/// code the gateway runs). Re-read when a file in the directory changed, at most every second.
/// </summary>
public sealed class PolicyTable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Snapshot _current = new(DateTimeOffset.MinValue, "", null, [], [], []);

    public PolicyTable(string directory, TimeProvider time)
    {
        _directory = directory;
        _time = time;
    }

    public string Directory => _directory;

    public Snapshot Current
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (now - _current.CheckedAt < CheckInterval)
                {
                    return _current;
                }

                var stamp = Stamp();
                if (stamp != _current.Stamp)
                {
                    var result = ConfigLoader.Load(_directory);
                    _current = result.Config is { } config
                        ? new Snapshot(now, stamp, config, PolicyTableMapper.Apis(config), PolicyTableMapper.Plans(config), [])
                        : _current with { CheckedAt = now, Stamp = stamp, Errors = [.. result.Errors.Select(e => e.ToString())] };
                }
                else
                {
                    _current = _current with { CheckedAt = now };
                }

                return _current;
            }
        }
    }

    /// <summary>Forgets the cached read, so the next <see cref="Current"/> loads again (after the manager writes).</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _current = _current with { CheckedAt = DateTimeOffset.MinValue, Stamp = "" };
        }
    }

    // Names, sizes and write times of every *.toml: cheap to compute, changes whenever a file does.
    private string Stamp()
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            return "missing";
        }

        var parts = new List<string>();
        foreach (var file in System.IO.Directory.EnumerateFiles(_directory, "*.toml", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            parts.Add($"{file}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join('\n', parts);
    }

    /// <param name="Errors">Why the last read failed (the previous good table is kept meanwhile).</param>
    public sealed record Snapshot(
        DateTimeOffset CheckedAt,
        string Stamp,
        GatewayConfig? Config,
        IReadOnlyList<CatalogApi> Apis,
        IReadOnlyList<CatalogPlan> Plans,
        IReadOnlyList<string> Errors)
    {
        public CatalogApi? FindApi(string id) => Apis.FirstOrDefault(a => a.Id == id);

        public CatalogPlan? FindPlan(string id) => Plans.FirstOrDefault(p => p.Id == id);
    }
}
