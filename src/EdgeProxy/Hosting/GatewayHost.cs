using System.Net;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Admin;
using EdgeProxy.Analytics;
using EdgeProxy.Buffers;
using EdgeProxy.Config;
using EdgeProxy.Demo;
using EdgeProxy.Http;
using EdgeProxy.Observability;
using EdgeProxy.Policies;
using EdgeProxy.Policies.Cluster;
using EdgeProxy.Policies.Quotas;
using EdgeProxy.Policy.Config;
using EdgeProxy.Policy.Config.Validation;
using EdgeProxy.Upstreams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeProxy.Hosting;

/// <summary>
/// Composes the gateway: loads the first config (fatal if invalid), binds the listeners on Kestrel's socket
/// transport with <see cref="GatewayConnectionHandler"/>, the admin port (and the demo upstream) on Kestrel's
/// HTTP stack, and wires reload triggers: file changes, SIGHUP and <c>POST /reload</c>.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly UpstreamConnector _connector;
    private readonly ILoggerFactory _loggers;
    private readonly AccessLog? _accessLog;
    private readonly AnalyticsShipper? _analytics;
    private readonly ConfigWatcher? _watcher;
    private readonly PosixSignalRegistration? _sighup;
    private readonly List<(string Name, ListenOptions Options)> _listeners;
    private readonly ListenOptions? _admin;
    private readonly PolicyHeartbeat _heartbeat;
    private readonly ClusterSync? _clusterSync;

    private GatewayHost(WebApplication app, PolicyStore store, UpstreamConnector connector, ILoggerFactory loggers, AccessLog? accessLog,
        ConfigWatcher? watcher, PosixSignalRegistration? sighup, List<(string, ListenOptions)> listeners, ListenOptions? admin, PolicyHeartbeat heartbeat, ClusterSync? clusterSync,
        AnalyticsShipper? analytics)
    {
        _analytics = analytics;
        _heartbeat = heartbeat;
        _clusterSync = clusterSync;
        _app = app;
        _loggers = loggers;
        Store = store;
        _connector = connector;
        _accessLog = accessLog;
        _watcher = watcher;
        _sighup = sighup;
        _listeners = listeners;
        _admin = admin;
    }

    public PolicyStore Store { get; }

    /// <summary>The cluster-mode sync loop; null without <c>[cluster] redis</c>.</summary>
    internal ClusterSync? Cluster => _clusterSync;

    /// <summary>Bound addresses of the proxy listeners by name (port 0 in the config is resolved here).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Listeners => _listeners.ToDictionary(l => l.Name, l => l.Options.IPEndPoint!);

    public IPEndPoint? AdminEndpoint => _admin?.IPEndPoint;

    /// <summary>The host's services, for tests that check what Kestrel was given.</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>The analytics shipper; null without <c>[analytics] endpoint</c>.</summary>
    internal AnalyticsShipper? Analytics => _analytics;

    /// <summary>Loads the config and starts serving. Throws <see cref="ConfigInvalidException"/> when the first load fails.</summary>
    public static async Task<GatewayHost> StartAsync(GatewayOptions options, Action<ILoggingBuilder>? logging = null)
    {
        // Building the logger factory is the largest single piece of start-up work (its DI container resolves the
        // console logger's options types, built at run time under NativeAOT): it runs on a pool thread while this
        // one reads, parses and hashes the first config, so on two cores neither waits for the other.
        var logLevel = new LogLevelSwitch();
        var loggersBuilt = Task.Run(() => CreateLoggers(logLevel, logging));
        GatewayMetrics.Configure();
        var loaded = ConfigLoader.Load(options.ConfigPath);

        // The empty builder, not the slim one: the gateway is configured by its TOML files, and the slim builder's
        // appsettings.json sources (with a reload watcher that put an inotify watch on every directory under the
        // working directory), environment-variable configuration and default logging cost start-up time for nothing.
        // Kestrel's core is enough: TLS is configured per listener from the TOML.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(BlockPoolFactory.Instance);
        var loggers = await loggersBuilt;
        builder.Services.AddSingleton(loggers);

        // The first load is applied before anything binds: an invalid config must not half-start the gateway.
        var connector = new UpstreamConnector();
        var policies = new PolicyRuntime();
        var store = new PolicyStore(options.ConfigPath, connector, loggers.CreateLogger("EdgeProxy.Config"), policies, logLevel);
        var first = store.Apply(loaded);
        if (!first.Applied)
        {
            loggers.Dispose();
            throw new ConfigInvalidException(first.Errors);
        }

        var logger = loggers.CreateLogger("EdgeProxy");
        var policyMetrics = PolicyMetrics.Register(store, policies);

        // Quota counts come back before the first request; the store's directory is read at start-up only.
        QuotaSnapshotStore? quotaStore = null;
        var quotaSettings = store.Current.Config.QuotaStore;
        if (!string.IsNullOrEmpty(quotaSettings.Directory))
        {
            quotaStore = new QuotaSnapshotStore(quotaSettings.Directory, policies.Quotas,
                logger: loggers.CreateLogger("EdgeProxy.Policies"));
            quotaStore.Restore();
        }

        // Cluster mode is read at start-up only, like the listeners and the quota store.
        var clusterMode = store.Current.Config.ClusterMode;
        var clusterSync = clusterMode.Redis.Length > 0
            ? new ClusterSync(clusterMode, policies, loggers.CreateLogger("EdgeProxy.Cluster"))
            : null;

        var config = store.Current.Config;
        var accessLog = AccessLog.Open(config.Gateway.AccessLog, config.Gateway.AccessLogBuffer);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = config.Gateway.DrainTimeout);
        var listeners = new List<(string, ListenOptions)>();
        ListenOptions? admin = null;
        ListenOptions? demo = null;

        // Read at start-up only, like the access log: the ring is sized once; routes' sampling reloads with them.
        var analytics = AnalyticsShipper.Start(config, loggers.CreateLogger("EdgeProxy.Analytics"));
        var runtime = new GatewayRuntime(store, accessLog, logger, analytics?.Capture);
        // Same reasoning as for upstream sockets (UpstreamConnector): no thread-pool hop per read.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // A client connection buffers at most this much unread input (request bodies wait on back-pressure).
            kestrel.Limits.MaxRequestBufferSize = 256 * 1024;

            // Kestrel binds (and starts accepting) in this order: the demo upstream first, so the gateway's first
            // answer to a newcomer's request is never a 502 because the upstream it proxies to is not up yet.
            if (options.DemoUpstream is { } demoAddress)
            {
                kestrel.Listen(ListenAddress.ToEndPoint(demoAddress), lo => demo = lo);
            }

            foreach (var listener in config.Listeners)
            {
                kestrel.Listen(ListenAddress.ToEndPoint(listener.Listen), lo =>
                {
                    lo.Protocols = HttpProtocols.Http1;
                    if (listener.Tls is { } tls)
                    {
                        lo.UseHttps(BuildTls(tls));
                    }

                    var handler = new GatewayConnectionHandler(runtime, new ListenerInfo(listener.Name, listener.Tls is not null));
                    lo.Run(handler.OnConnectedAsync);
                    listeners.Add((listener.Name, lo));
                });
            }

            if (!string.IsNullOrEmpty(config.Admin.Listen))
            {
                kestrel.Listen(ListenAddress.ToEndPoint(config.Admin.Listen), lo => admin = lo);
            }
        });

        var app = builder.Build();
        var adminEndpoints = new AdminEndpoints(store, app.Lifetime);
        app.Run(context => demo is not null && context.Connection.LocalPort == demo.IPEndPoint!.Port && admin?.IPEndPoint?.Port != context.Connection.LocalPort
            ? DemoUpstream.HandleAsync(context)
            : adminEndpoints.HandleAsync(context));
        app.Lifetime.ApplicationStopping.Register(() => Log.Draining(logger, config.Gateway.DrainTimeout.TotalSeconds));

        await app.StartAsync();
        foreach (var (name, lo) in listeners)
        {
            Log.Listening(logger, lo.IPEndPoint!.ToString(), name);
        }

        if (admin is not null)
        {
            Log.Listening(logger, admin.IPEndPoint!.ToString(), "admin");
        }

        if (demo is not null)
        {
            Log.Listening(logger, demo.IPEndPoint!.ToString(), "demo upstream");
        }

        var watcher = options.Watch ? new ConfigWatcher(store, config.Gateway.ReloadDebounce) : null;
        PosixSignalRegistration? sighup = null;
        if (!OperatingSystem.IsWindows())
        {
            sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true;
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Reload(), store, preferLocal: false);
            });
        }

        var heartbeat = new PolicyHeartbeat(policies, TimeSpan.FromSeconds(5), quotaStore, quotaSettings.SnapshotInterval, policyMetrics);
        return new GatewayHost(app, store, connector, loggers, accessLog, watcher, sighup, listeners, admin, heartbeat, clusterSync, analytics);
    }

    /// <summary>
    /// One logger factory for the gateway and the host (registered in the host's services): a second one cost its own
    /// DI container and console queue thread at start-up. Which lines are written is the config's
    /// (<see cref="LogLevelSwitch"/>); <paramref name="logging"/> (tests) may add providers or raise the minimum.
    /// </summary>
    private static ILoggerFactory CreateLoggers(LogLevelSwitch level, Action<ILoggingBuilder>? logging) => LoggerFactory.Create(b =>
    {
        b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        b.SetMinimumLevel(LogLevel.Trace);
        b.AddFilter((_, category, lineLevel) => level.Allows(category, lineLevel));
        logging?.Invoke(b);
    });

    /// <summary>Runs until SIGTERM/SIGINT, then drains within the configured deadline.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        _sighup?.Dispose();
        _watcher?.Dispose();
        await _app.DisposeAsync();

        // After the drain: the last requests go to Redis (cluster mode) and into the final quota snapshot.
        if (_clusterSync is not null)
        {
            await _clusterSync.DisposeAsync();
        }

        await _heartbeat.DisposeAsync();
        foreach (var cluster in Store.Current.Clusters.Values)
        {
            cluster.Retire();
        }


        _accessLog?.Dispose();

        // After the app: requests still draining were captured, and the shipper sends (or spools) them before it stops.
        _analytics?.Dispose();
        _loggers.Dispose();
    }

    private static HttpsConnectionAdapterOptions BuildTls(ListenerTlsConfig tls)
    {
        var defaultCertificate = LoadPem(tls.CertificateFile, tls.KeyFile);
        var sni = new List<(string Host, X509Certificate2 Certificate)>();
        foreach (var entry in tls.Sni)
        {
            sni.Add((entry.Host, LoadPem(entry.CertificateFile, entry.KeyFile)));
        }

        var options = new HttpsConnectionAdapterOptions
        {
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ServerCertificateSelector = (_, name) => SelectCertificate(sni, name) ?? defaultCertificate,
        };

        if (tls.ClientCaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            options.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, roots);
        }

        return options;
    }

    private static X509Certificate2? SelectCertificate(List<(string Host, X509Certificate2 Certificate)> sni, string? name)
    {
        if (name is null)
        {
            return null;
        }

        foreach (var (host, certificate) in sni)
        {
            if (string.Equals(host, name, StringComparison.OrdinalIgnoreCase))
            {
                return certificate;
            }
        }

        foreach (var (host, certificate) in sni)
        {
            if (host.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(host[1..], StringComparison.OrdinalIgnoreCase))
            {
                return certificate;
            }
        }

        return null;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        return chain.Build(certificate);
    }

    private static X509Certificate2 LoadPem(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // Linux SslStream needs an exportable key in a PKCS#12-backed certificate for server use.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>The first config load failed; the process exits non-zero with these errors.</summary>
internal sealed class ConfigInvalidException(IReadOnlyList<ConfigError> errors) : Exception("invalid config:\n" + string.Join("\n", errors))
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}
