using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
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

    public IndexModel(SelfService service, FeedbackService feedback)
    {
        _service = service;
        _feedback = feedback;
    }

    public string Team => User.ToActor().Team;

    public IReadOnlyList<SubscriptionRecord> Pending { get; private set; } = [];

    public IReadOnlyList<ProblemReport> Reports { get; private set; } = [];

    public string? Error { get; private set; }

    [BindProperty]
    public long SubscriptionId { get; set; }

    public void OnGet()
    {
        var actor = User.ToActor();
        Pending = _service.Subscriptions(actor, "pending");
        Reports = actor.IsAdmin ? _feedback.Reports(null, "open") : actor.Team.Length == 0 ? [] : _feedback.Reports(actor.Team, "open");
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
