using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.PolicyWriter;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Admin;

public sealed class SubscriptionsModel : PageModel
{
    private readonly SelfService _service;

    public SubscriptionsModel(SelfService service) => _service = service;

    public IReadOnlyList<SubscriptionRecord> Pending { get; private set; } = [];

    public string? Error { get; private set; }

    [BindProperty]
    public long SubscriptionId { get; set; }

    public void OnGet() => Pending = _service.Subscriptions(User.ToActor(), "pending");

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
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        OnGet();
        return Page();
    }
}
