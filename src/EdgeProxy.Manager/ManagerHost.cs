using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Admin;
using EdgeProxy.Manager.Analytics;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Data;
using EdgeProxy.Manager.Feedback;
using EdgeProxy.Manager.PolicyWriter;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.FileProviders;

namespace EdgeProxy.Manager;

/// <summary>
/// The manager's web host: Razor Pages for the portal and admin UI, minimal APIs for JSON, cookie sessions.
/// Started by Program and by the tests (on 127.0.0.1:0, with a temp data and config directory).
/// </summary>
public sealed class ManagerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ManagerHost(WebApplication app, string baseUrl, string? bootstrapToken)
    {
        _app = app;
        BaseUrl = baseUrl;
        BootstrapToken = bootstrapToken;
    }

    public string BaseUrl { get; }

    /// <summary>The one-time setup token when the database had no admin at start (also logged).</summary>
    public string? BootstrapToken { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ManagerHost> StartAsync(ManagerOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(ManagerHost).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(options.Listen));
        logging?.Invoke(builder.Logging);
        builder.Environment.WebRootFileProvider = new EmbeddedFileProvider(typeof(ManagerHost).Assembly, "EdgeProxy.Manager.wwwroot");

        var database = new ManagerDatabase(options.DataDirectory);
        database.Migrate();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(database);
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AccountService>();
        services.AddSingleton<BootstrapToken>();
        services.AddSingleton(sp => new PolicyTable(options.ConfigDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new PolicyFileWriter(options.ConfigDirectory));
        services.AddSingleton<PolicySync>();
        services.AddSingleton<SelfService>();
        services.AddSingleton<GatewayUsage>();
        services.AddSingleton<FeedbackService>();
        services.AddSingleton<ManagedApis>();
        services.AddSingleton<ManagedPlans>();
        services.AddSingleton<CatalogSearch>();
        services.AddSingleton<OpenApiDocuments>();
        services.AddSingleton<AnalyticsMeter>();
        services.AddSingleton<AnalyticsStore>();
        services.AddHostedService<OtlpMetricsExport>();
        services.AddSingleton<AnalyticsQueries>();
        services.AddSingleton<IngestCounters>();
        services.AddSingleton<RetentionJob>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionJob>());
        services.AddSingleton<EdgeProxy.Manager.Analytics.Alerts.AlertStore>();
        services.AddSingleton<EdgeProxy.Manager.Analytics.Alerts.AlertEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<EdgeProxy.Manager.Analytics.Alerts.AlertEvaluator>());

        // Keys that encrypt the session cookie live with the data, so sessions survive a restart.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(options.DataDirectory, "keys")));
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.LoginPath = "/signin";
            cookie.AccessDeniedPath = "/denied";
            cookie.Cookie.Name = "edgeproxy-manager";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);

            // JSON clients get status codes, not a redirect to the sign-in page.
            cookie.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
            cookie.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
        });
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        // Only the proxies named on the command line may say the client spoke HTTPS (and who the client is).
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedFor;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in options.TrustedProxies)
            {
                forwarded.KnownProxies.Add(proxy);
            }
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Admin, policy => policy.RequireRole(Roles.Admin))
            .AddPolicy(Roles.Publisher, policy => policy.RequireRole(Roles.Admin, Roles.Publisher));
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeFolder("/Apps");
            pages.Conventions.AuthorizePage("/Profile");
            pages.Conventions.AuthorizeFolder("/Admin", Roles.Admin);
            pages.Conventions.AuthorizeFolder("/Team", Roles.Publisher);
        });
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.WriteIndented = true);

        var app = builder.Build();
        // Cookies are Secure exactly when the request is HTTPS. The manager itself speaks plain HTTP (loopback), so
        // HTTPS is what a trusted TLS-terminating proxy says, or every request with --secure-cookies always (the
        // manager reached only through TLS). Antiforgery refuses to set a Secure cookie on a plain request, hence
        // the scheme rather than a cookie policy of Always.
        if (options.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        if (options.AlwaysSecureCookies)
        {
            app.Use((context, next) =>
            {
                context.Request.Scheme = Uri.UriSchemeHttps;
                return next(context);
            });
        }

        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapRazorPages();
        AccountEndpoints.Map(app);
        SelfServiceEndpoints.Map(app);
        AdminEndpoints.Map(app);
        CatalogEndpoints.Map(app);
        FeedbackEndpoints.Map(app);
        AnalyticsEndpoints.Map(app);

        var accounts = app.Services.GetRequiredService<AccountService>();
        var token = app.Services.GetRequiredService<BootstrapToken>().IssueIfNoAdmin(accounts);
        if (token is not null)
        {
            // The one secret the manager ever logs, by design: it is single-use and dies with the first admin.
            app.Logger.LogWarning("No admin account yet. Create one at /setup?token={Token} (one-time token)", token);
        }

        // The files follow the database: rewrite them at start, so a deleted or stale file (a restored backup, a
        // crash between the file write and the commit) is put right before anyone changes anything.
        try
        {
            using var connection = database.Open();
            app.Services.GetRequiredService<PolicySync>().Write(connection, null);
        }
        catch (PolicyRejectedException e)
        {
            app.Logger.LogError("Not writing {Files}: {Reason}", string.Join(", ", PolicyFileWriter.PlansFile, PolicyFileWriter.ApisFile, PolicyFileWriter.ConsumersFile), e.Message);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        app.Services.GetRequiredService<CatalogSearch>().Refresh();
        return new ManagerHost(app, address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/'), token);
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static Task Answer(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
