using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Admin;

/// <summary>Read-only view of the audit log: there is no form here that changes it, by design.</summary>
public sealed class AuditModel : PageModel
{
    private readonly ManagerDatabase _database;

    public AuditModel(ManagerDatabase database) => _database = database;

    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Entity { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? EntityId { get; set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public void OnGet()
    {
        using var connection = _database.Open();
        Entries = AuditLog.Query(connection, new AuditFilter(Actor, Action, Entity, EntityId));
    }
}
