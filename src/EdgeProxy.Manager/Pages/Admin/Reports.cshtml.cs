using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Feedback;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace EdgeProxy.Manager.Pages.Admin;

public sealed class ReportsModel : PageModel
{
    private readonly FeedbackService _feedback;

    public ReportsModel(FeedbackService feedback) => _feedback = feedback;

    [BindProperty(SupportsGet = true)]
    public string? Owner { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? State { get; set; } = "open";

    [BindProperty]
    public long ReportId { get; set; }

    public IReadOnlyList<ProblemReport> List { get; private set; } = [];

    public void OnGet() => List = _feedback.Reports(Owner, State);

    public IActionResult OnPost()
    {
        _feedback.Close(User.ToActor(), ReportId);
        return Redirect("/admin/reports");
    }
}
