using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Feedback;
using EdgeProxy.Manager.PolicyWriter;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Team;

/// <summary>A publisher's view: pending subscriptions to, and problem reports on, the APIs their team owns.</summary>
public sealed class IndexModel : PageModel
{
    private readonly SelfService _service;
    private readonly FeedbackService _feedback;
    private readonly ManagedApis _apis;

    public IndexModel(SelfService service, FeedbackService feedback, ManagedApis apis)
    {
        _apis = apis;
        _service = service;
        _feedback = feedback;
    }

    public string Team => User.ToActor().Team;

    public IReadOnlyList<SubscriptionRecord> Pending { get; private set; } = [];

    public IReadOnlyList<ProblemReport> Reports { get; private set; } = [];

    public string? Error { get; private set; }

    public IReadOnlyList<(ManagedApi Api, IReadOnlyList<ManagedApiVersion> Versions)> Apis { get; private set; } = [];

    [BindProperty]
    public long SubscriptionId { get; set; }

    [BindProperty]
    public string ApiId { get; set; } = "";

    [BindProperty]
    public string Version { get; set; } = "";

    [BindProperty]
    public string State { get; set; } = "";

    [BindProperty]
    public DateTime? Sunset { get; set; }

    [BindProperty]
    public string NewId { get; set; } = "";

    [BindProperty]
    public string NewTitle { get; set; } = "";

    [BindProperty]
    public string? NewSummary { get; set; }

    [BindProperty]
    public string NewOwner { get; set; } = "";

    [BindProperty]
    public string? NewTags { get; set; }

    [BindProperty]
    public string NewVersion { get; set; } = "v1";

    [BindProperty]
    public string NewRoutes { get; set; } = "";

    [BindProperty]
    public string? NewOpenApi { get; set; }

    public IEnumerable<string> NextStates(string state) =>
        ((string[])["draft", "published", "deprecated", "retired"]).SkipWhile(s => s != state).Skip(1);

    public void OnGet()
    {
        var actor = User.ToActor();
        Pending = _service.Subscriptions(actor, "pending");
        Reports = actor.IsAdmin ? _feedback.Reports(null, "open") : actor.Team.Length == 0 ? [] : _feedback.Reports(actor.Team, "open");
        Apis = [.. _apis.List().Where(a => actor.Governs(a.Api.Owner))];
    }

    public IActionResult OnPostTransition() => Act(() => _apis.Transition(
        User.ToActor(),
        ApiId,
        Version,
        new ManagedApis.TransitionRequest(State, null, Sunset is { } day ? new DateTimeOffset(DateTime.SpecifyKind(day.Date, DateTimeKind.Utc)) : null, null)));

    public IActionResult OnPostCreate() => Act(() => _apis.Create(
        User.ToActor(),
        new ManagedApis.CreateApiRequest(
            NewId,
            NewTitle,
            NewSummary,
            NewOwner,
            [.. Split(NewTags)],
            [new ManagedApis.CreateVersionRequest(NewVersion, "draft", [.. Split(NewRoutes)], string.IsNullOrWhiteSpace(NewOpenApi) ? null : NewOpenApi.Trim(), "")])));

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private IActionResult Act(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is SelfServiceException or PolicyRejectedException)
        {
            Error = e.Message;
            Response.StatusCode = e is SelfServiceException { Forbidden: true } ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        }

        OnGet();
        return Page();
    }

    public IActionResult OnPostApprove() => Decide(approve: true);

    public IActionResult OnPostReject() => Decide(approve: false);

    private IActionResult Decide(bool approve)
    {
        try
        {
            _service.Decide(User.ToActor(), SubscriptionId, approve);
        }
        catch (Exception e) when (e is SelfServiceException or PolicyRejectedException)
        {
            Error = e.Message;
            Response.StatusCode = e is SelfServiceException { Forbidden: true } ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest;
        }

        OnGet();
        return Page();
    }
}
