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

    public DetailModel(SelfService service, PolicyTable table, ManagerOptions options, TimeProvider time)
    {
        _service = service;
        _table = table;
        _options = options;
        _time = time;
    }

    public AppView View { get; private set; } = null!;

    public GeneratedApiKey? NewKey { get; private set; }

    public string? Error { get; private set; }

    public string GatewayUrl => _options.GatewayUrl;

    public string Header => _table.Current.Config?.ApiKeys.Header ?? "X-Api-Key";

    public DateTimeOffset Now => _time.GetUtcNow();

    [BindProperty]
    public long SubscriptionId { get; set; }

    [BindProperty]
    public string KeyId { get; set; } = "";

    public IActionResult OnGet(long appId) => Load(appId) ? Page() : NotFound();

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
