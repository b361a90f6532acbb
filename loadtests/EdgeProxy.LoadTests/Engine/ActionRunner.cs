using System.Diagnostics;
using System.Text;
using EdgeProxy.LoadTests.Scenarios;

namespace EdgeProxy.LoadTests.Engine;

/// <summary>How often an action ran and failed during the run.</summary>
internal sealed record ActionResult(string Name, string What, int Runs, int Failures, string? LastError);

/// <summary>
/// Runs the scenario's actions on their schedule while the load runs (rewrite a config file every second, kill an
/// upstream at 10 s, call the admin API), each bounded by its timeout; files it touched are restored at the end.
/// </summary>
internal sealed class ActionRunner : IAsyncDisposable
{
    private const string Marker = "# edgeproxy-load touch ";

    private readonly IReadOnlyList<ActionConfig> _actions;
    private readonly TextWriter _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, byte[]> _originals = [];
    private readonly List<Task> _loops = [];
    private readonly int[] _runs;
    private readonly int[] _failures;
    private readonly string?[] _lastErrors;
    private HttpClient? _http;
    private int _touches;
    private bool _disposed;

    public ActionRunner(IReadOnlyList<ActionConfig> actions, TextWriter log)
    {
        _actions = actions;
        _log = log;
        _runs = new int[actions.Count];
        _failures = new int[actions.Count];
        _lastErrors = new string?[actions.Count];
    }

    public void Start(TimeSpan runLength)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < _actions.Count; i++)
        {
            var index = i;
            _loops.Add(Task.Run(() => LoopAsync(index, started, runLength)));
        }
    }

    public IReadOnlyList<ActionResult> Results => [.. _actions.Select((a, i) => new ActionResult(a.Name, Describe(a), _runs[i], _failures[i], _lastErrors[i]))];

    /// <summary>Stops the schedules, waits for running actions and restores touched files (idempotent).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        foreach (var (path, content) in _originals)
        {
            try
            {
                await File.WriteAllBytesAsync(path, content).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                _log.WriteLine($"action: could not restore {path}: {e.Message}");
            }
        }

        _http?.Dispose();
        _stop.Dispose();
    }

    private static string Describe(ActionConfig action) => action switch
    {
        { Exec: { } exec } => "exec " + string.Join(' ', exec),
        { Touch: { } touch } => "touch " + touch,
        _ => $"http {action.HttpMethod} {action.HttpUrl}",
    };

    private async Task LoopAsync(int index, long started, TimeSpan runLength)
    {
        var action = _actions[index];
        var until = action.Until ?? runLength;
        var next = action.At;
        while (!_stop.IsCancellationRequested && next <= until)
        {
            var wait = next - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }

            try
            {
                await RunOnceAsync(action).ConfigureAwait(false);
                Interlocked.Increment(ref _runs[index]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _runs[index]);
                Interlocked.Increment(ref _failures[index]);
                _lastErrors[index] = e.Message;
                _log.WriteLine($"action '{action.Name}' failed: {e.Message}");
            }

            if (action.Every is not { } every)
            {
                return;
            }

            next += every;
        }
    }

    private async Task RunOnceAsync(ActionConfig action)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(action.Timeout);
        if (action.Exec is { } exec)
        {
            var start = new ProcessStartInfo(exec[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in exec.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {exec[0]}");
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            _ = process.StandardOutput.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"'{exec[0]}' did not finish within {action.Timeout.TotalSeconds:0.###} s and was killed");
            }

            if (process.ExitCode != 0)
            {
                var message = (await stderr.ConfigureAwait(false)).Trim();
                throw new InvalidOperationException($"'{exec[0]}' exited {process.ExitCode}{(message.Length > 0 ? ": " + message : "")}");
            }
        }
        else if (action.Touch is { } path)
        {
            if (!_originals.TryGetValue(path, out var original))
            {
                original = await File.ReadAllBytesAsync(path, timeout.Token).ConfigureAwait(false);
                _originals[path] = original;
            }

            // Same content plus a changing marker line, so watchers see a real change every time.
            var text = Encoding.UTF8.GetString(original).TrimEnd('\n');
            var count = Interlocked.Increment(ref _touches);
            await File.WriteAllTextAsync(path, $"{text}\n{Marker}{count}\n", timeout.Token).ConfigureAwait(false);
        }
        else
        {
            _http ??= new HttpClient();
            using var request = new HttpRequestMessage(new HttpMethod(action.HttpMethod!), action.HttpUrl);
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{action.HttpMethod} {action.HttpUrl} answered {(int)response.StatusCode}");
            }
        }
    }
}
