using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Feedback;
using EdgeProxy.Manager.PolicyWriter;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Catalog;

public sealed class ApiModel : PageModel
{
    private readonly PolicyTable _table;
    private readonly OpenApiDocuments _documents;
    private readonly SelfService _service;
    private readonly ManagerOptions _options;
    private readonly FeedbackService _feedback;

    public ApiModel(PolicyTable table, OpenApiDocuments documents, SelfService service, ManagerOptions options, FeedbackService feedback)
    {
        _feedback = feedback;
        _table = table;
        _documents = documents;
        _service = service;
        _options = options;
    }

    public CatalogApi Api { get; private set; } = null!;

    public IReadOnlyList<CatalogPlan> Plans { get; private set; } = [];

    public IReadOnlyList<AppRecord> Apps { get; private set; } = [];

    public Dictionary<string, OpenApiDocuments.LoadedDocument> Documents { get; } = [];

    /// <summary>
    /// Per listed version after the first, what changed against the previous non-draft version's document
    /// (absent when either document is missing or broken).
    /// </summary>
    public Dictionary<string, VersionChanges> Changes { get; } = [];

    public string GatewayUrl => _options.GatewayUrl;

    public string Header { get; private set; } = "X-Api-Key";

    public string? Error { get; private set; }

    public IReadOnlyList<ApiComment> Comments { get; private set; } = [];

    public string? FeedbackMessage { get; private set; }

    [BindProperty]
    public long AppId { get; set; }

    [BindProperty]
    public string CommentBody { get; set; } = "";

    [BindProperty]
    public string ReportSubject { get; set; } = "";

    [BindProperty]
    public string ReportBody { get; set; } = "";

    [BindProperty]
    public string PlanId { get; set; } = "";

    public IActionResult OnGet(string apiId) => Load(apiId) ? Page() : NotFound();

    public IActionResult OnPost(string apiId)
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return Challenge();
        }

        if (!Load(apiId))
        {
            return NotFound();
        }

        try
        {
            var subscription = _service.Subscribe(User.ToActor(), AppId, apiId, PlanId);
            return Redirect($"/apps/{subscription.AppId}");
        }
        catch (Exception e) when (e is SelfServiceException or PolicyRejectedException)
        {
            Error = e.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
    }

    public IActionResult OnPostComment(string apiId) => Feedback(apiId, () =>
    {
        _feedback.Comment(User.ToActor(), apiId, CommentBody);
        return "Comment posted.";
    });

    public IActionResult OnPostReport(string apiId) => Feedback(apiId, () =>
    {
        var report = _feedback.Report(User.ToActor(), apiId, ReportSubject, ReportBody);
        return $"Report #{report.Id} sent to {report.Owner}.";
    });

    private IActionResult Feedback(string apiId, Func<string> action)
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return Challenge();
        }

        if (!Load(apiId))
        {
            return NotFound();
        }

        try
        {
            FeedbackMessage = action();
        }
        catch (SelfServiceException e)
        {
            Error = e.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        Comments = _feedback.Comments(apiId);
        return Page();
    }

    private bool Load(string apiId)
    {
        var snapshot = _table.Current;
        if (snapshot.FindApi(apiId) is not { IsListed: true } api)
        {
            return false;
        }

        Api = api;
        Plans = snapshot.Plans;
        Header = snapshot.Config?.ApiKeys.Header ?? Header;
        CatalogApiVersion? previous = null;
        OpenApiDocuments.LoadedDocument? previousDocument = null;
        foreach (var version in api.Versions)
        {
            // Drafts are not public: nothing is compared against them, and they are not shown.
            if (version.State == "draft")
            {
                continue;
            }

            var loaded = _documents.Load(version);
            if (version.State is "published" or "deprecated")
            {
                Documents[version.Version] = loaded;
                if (previous is not null && previousDocument?.Document is { } before && loaded.Document is { } after)
                {
                    Changes[version.Version] = new VersionChanges(previous.Version, OpenApiDiff.Compare(before, after));
                }
            }

            previous = version;
            previousDocument = loaded;
        }

        if (User.Identity?.IsAuthenticated == true)
        {
            Apps = _service.Apps(User.ToActor());
        }

        Comments = _feedback.Comments(apiId);

        return true;
    }
}

public sealed record VersionChanges(string Previous, IReadOnlyList<OpenApiChange> Changes);
