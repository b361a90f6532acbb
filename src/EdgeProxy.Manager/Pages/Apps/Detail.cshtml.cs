using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.PolicyWriter;
using EdgeProxy.Policy.Keys;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Apps;

/// <summary>
/// An app's subscriptions and keys. A new key is rendered in the answer to the POST that made it and never
/// again (no redirect that would have to carry it, nothing stored but its hash).
/// </summary>
public sealed class DetailModel : PageModel
{
    private readonly SelfService _service;
    private readonly PolicyTable _table;
    private readonly ManagerOptions _options;
    private readonly TimeProvider _time;
    private readonly GatewayUsage _usage;

    public DetailModel(SelfService service, PolicyTable table, ManagerOptions options, TimeProvider time, GatewayUsage usage)
    {
        _usage = usage;
        _service = service;
        _table = table;
        _options = options;
        _time = time;
    }

    public AppView View { get; private set; } = null!;

    public GeneratedApiKey? NewKey { get; private set; }

    /// <summary>Quota usage per active subscription id; a null value: the gateway did not answer.</summary>
    public Dictionary<long, IReadOnlyList<GatewayUsage.QuotaUsage>?> Usage { get; } = [];

    public string? Error { get; private set; }

    public string GatewayUrl => _options.GatewayUrl;

    public string Header => _table.Current.Config?.ApiKeys.Header ?? "X-Api-Key";

    public DateTimeOffset Now => _time.GetUtcNow();

    [BindProperty]
    public long SubscriptionId { get; set; }

    [BindProperty]
    public string KeyId { get; set; } = "";

    public async Task<IActionResult> OnGetAsync(long appId)
    {
        if (!Load(appId))
        {
            return NotFound();
        }

        foreach (var subscription in View.Subscriptions)
        {
            if (subscription.State == "active")
            {
                Usage[subscription.Id] = await _usage.ReadAsync(subscription.ConsumerId, HttpContext.RequestAborted);
            }
        }

        return Page();
    }

    public IActionResult OnPostCreateKey(long appId) => Act(appId, () => NewKey = _service.CreateKey(User.ToActor(), SubscriptionId));

    public IActionResult OnPostRotate(long appId) => Act(appId, () => NewKey = _service.RotateKey(User.ToActor(), KeyId, SelfService.DefaultRotationGrace));

    public IActionResult OnPostRevoke(long appId) => Act(appId, () => _service.RevokeKey(User.ToActor(), KeyId));

    private IActionResult Act(long appId, Action action)
    {
        if (!Load(appId))
        {
            return NotFound();
        }

        try
        {
            action();
        }
        catch (Exception e) when (e is SelfServiceException or PolicyRejectedException)
        {
            Error = e.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        Load(appId);
        return Page();
    }

    private bool Load(long appId)
    {
        var view = _service.App(User.ToActor(), appId);
        if (view is null)
        {
            return false;
        }

        View = view;
        return true;
    }
}
