using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.PolicyWriter;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Admin;

/// <summary>Every plan of the policy table; those the manager owns can be edited, new ones created.</summary>
public sealed class PlansModel : PageModel
{
    private readonly PolicyTable _table;
    private readonly ManagedPlans _plans;

    public PlansModel(PolicyTable table, ManagedPlans plans)
    {
        _table = table;
        _plans = plans;
    }

    public IReadOnlyList<CatalogPlan> All { get; private set; } = [];

    public IReadOnlyList<ManagedPlan> Owned { get; private set; } = [];

    public ManagedPlan? Editing { get; private set; }

    public string? Error { get; private set; }

    [BindProperty]
    public ManagedPlan Form { get; set; } = new();

    public void OnGet(string? edit)
    {
        All = _table.Current.Plans;
        Owned = _plans.List();
        Editing = edit is null ? null : Owned.FirstOrDefault(p => p.Id == edit);
    }

    public IActionResult OnPost()
    {
        try
        {
            _plans.Save(User.ToActor(), Form);
            return Redirect("/admin/plans");
        }
        catch (Exception e) when (e is SelfServiceException or PolicyRejectedException)
        {
            Error = e.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            OnGet(null);
            Editing = Form;
            return Page();
        }
    }
}
