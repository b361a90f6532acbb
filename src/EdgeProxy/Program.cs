using System.Globalization;
using EdgeProxy.Hosting;
using EdgeProxy.Policy.Config;
using EdgeProxy.Upstreams.Polling;

namespace EdgeProxy;

/// <summary>
/// <c>edgeproxy [run] [--config PATH] [--demo-upstream HOST:PORT]</c> serves;
/// <c>edgeproxy validate PATH</c> checks a config and exits 0 or 1 (for CI pipelines).
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: edgeproxy [run] [--config PATH] [--demo-upstream HOST:PORT] [--no-watch]
               edgeproxy validate PATH
               edgeproxy keys new [--id KEY_ID]
        PATH is a TOML file or a directory of *.toml files (default: ./config or $EDGEPROXY_CONFIG).
        """;

    public static async Task<int> Main(string[] args)
    {
        // Socket completions run on the event-loop thread rather than being queued to the thread pool; with
        // Kestrel's inline scheduling this takes a thread hop out of every proxied read. Must be set before the
        // first socket is created; an operator's explicit setting wins.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        // With upstream sockets on the gateway's own pollers, .NET's engine serves only the client side: half the
        // cores each, one event thread per core in all, as nginx runs one worker per core (bench/RESULTS.md).
        if (SocketPoller.IsEnabled && Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT",
                SocketPoller.HalfTheCores.ToString(CultureInfo.InvariantCulture));
        }

        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        var rest = command == "run" && (args.Length == 0 || args[0].StartsWith('-')) ? args : args[1..];
        switch (command)
        {
            case "run":
                return await RunAsync(rest);
            case "validate":
                return Validate(rest);
            case "keys":
                return Keys(rest);
            case "help" or "--help" or "-h":
                Console.WriteLine(Usage);
                return 0;
            default:
                Console.Error.WriteLine($"unknown command '{command}'\n{Usage}");
                return 2;
        }
    }

    private static async Task<int> RunAsync(string[] args)
    {
        var configPath = Environment.GetEnvironmentVariable("EDGEPROXY_CONFIG") ?? "config";
        string? demo = null;
        var watch = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--demo-upstream" when i + 1 < args.Length:
                    demo = args[++i];
                    break;
                case "--no-watch":
                    watch = false;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'\n{Usage}");
                    return 2;
            }
        }

        GatewayHost host;
        try
        {
            host = await GatewayHost.StartAsync(new GatewayOptions { ConfigPath = configPath, DemoUpstream = demo, Watch = watch });
        }
        catch (ConfigInvalidException e)
        {
            Console.Error.WriteLine($"edgeproxy: config '{configPath}' is invalid:");
            foreach (var error in e.Errors)
            {
                Console.Error.WriteLine("  " + error);
            }

            return 1;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"edgeproxy: cannot start: {e.Message}");
            return 1;
        }

        await using (host)
        {
            await host.WaitForShutdownAsync();
        }

        return 0;
    }

    /// <summary>
    /// <c>keys new</c>: the key goes to stdout alone (so it can be piped into a secret store), the TOML entry with
    /// its hash and the advice to stderr. Nothing is written to disk.
    /// </summary>
    private static int Keys(string[] args)
    {
        string? id = null;
        if (args.Length == 0 || args[0] != "new")
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--id" && i + 1 < args.Length && IsKeyId(args[i + 1]))
            {
                id = args[++i];
            }
            else
            {
                Console.Error.WriteLine($"unknown or invalid option '{args[i]}' (key ids: letters, digits, '-', '_', '.')\n{Usage}");
                return 2;
            }
        }

        var key = EdgeProxy.Policy.Keys.ApiKeyGenerator.Create(DateTimeOffset.UtcNow, id);
        Console.Out.WriteLine(key.Key);
        Console.Error.WriteLine();
        Console.Error.WriteLine("Give the key above to the consumer; it is shown only this once. Add this entry to the consumer's `keys` list:");
        Console.Error.WriteLine("  " + key.TomlLine);
        return 0;
    }

    private static bool IsKeyId(string id)
    {
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return id.Length is > 0 and <= 64;
    }

    private static int Validate(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var result = ConfigLoader.Load(args[0]);
        if (result.Config is null)
        {
            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine(error);
            }

            Console.Error.WriteLine($"{result.Errors.Count} error(s) in {result.Files.Count} file(s)");
            return 1;
        }

        Console.WriteLine($"ok: {result.Files.Count} file(s), {result.Config.Routes.Count} route(s), {result.Config.Clusters.Count} cluster(s), version {result.Version}");
        return 0;
    }
}
