using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;
using EdgeProxy.Manager.Audit;
using EdgeProxy.Manager.Catalog;
using EdgeProxy.Manager.Data;

namespace EdgeProxy.Manager.Admin;

/// <summary>
/// <c>/api/admin/*</c>: everything the admin pages do, for scripts and CI. Admin role only (401 without a
/// session, 403 for other roles); described by <c>/api/admin/openapi.json</c>.
/// </summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(Roles.Admin).DisableAntiforgery().WithTags("admin");
        admin.MapGet("/users", (AccountService accounts) => accounts.List().Select(u => u.Public()))
            .WithSummary("List user accounts");
        admin.MapPut("/users/{userId:long}/role", (long userId, RoleRequest request, HttpContext context, AccountService accounts) =>
            !Roles.IsKnown(request.Role)
                ? Results.Problem($"Unknown role '{request.Role}' (admin, publisher, developer).", statusCode: StatusCodes.Status400BadRequest)
                : accounts.SetRole(userId, request.Role, context.User.ToActor()) is { } user ? Results.Ok(user.Public()) : Results.NotFound())
            .WithSummary("Change a user's role");
        admin.MapPut("/users/{userId:long}/team", (long userId, TeamRequest request, HttpContext context, AccountService accounts) =>
            accounts.SetTeam(userId, request.Team, context.User.ToActor()) is { } user ? Results.Ok(user.Public()) : Results.NotFound())
            .WithSummary("Set the owner team a publisher manages (takes effect at their next sign-in)");
        admin.MapGet("/subscriptions", (string? state, HttpContext context, SelfService service) => service.Subscriptions(context.User.ToActor(), state))
            .WithSummary("List subscriptions, optionally by state (pending, active, rejected, cancelled)");
        admin.MapPost("/subscriptions/{subscriptionId:long}/approve", (long subscriptionId, HttpContext context, SelfService service) =>
            SelfServiceEndpoints.Run(() => Results.Ok(service.Decide(context.User.ToActor(), subscriptionId, approve: true))))
            .WithSummary("Approve a pending subscription (its consumer reaches the gateway)");
        admin.MapPost("/subscriptions/{subscriptionId:long}/reject", (long subscriptionId, HttpContext context, SelfService service) =>
            SelfServiceEndpoints.Run(() => Results.Ok(service.Decide(context.User.ToActor(), subscriptionId, approve: false))))
            .WithSummary("Reject a pending subscription");
        admin.MapGet("/plans", (PolicyTable table) => table.Current.Plans)
            .WithSummary("Plans from the policy table (every file, the manager's included)");
        admin.MapPut("/plans/{planId}", (string planId, ManagedPlan plan, HttpContext context, ManagedPlans plans) =>
            SelfServiceEndpoints.Run(() =>
            {
                plan.Id = planId;
                return Results.Ok(plans.Save(context.User.ToActor(), plan));
            }))
            .WithSummary("Create or edit a plan the manager owns (manager-plans.toml): title, description, approval, rate, burst, day/month quota, prices");
        admin.MapGet("/reports", (string? owner, string? state, Feedback.FeedbackService feedback) => feedback.Reports(owner, state))
            .WithSummary("Problem reports on APIs, by owner team and state (open, closed)");
        admin.MapPost("/reports/{reportId:long}/close", (long reportId, HttpContext context, Feedback.FeedbackService feedback) =>
            SelfServiceEndpoints.Run(() => Results.Ok(feedback.Close(context.User.ToActor(), reportId))))
            .WithSummary("Close a problem report");
        admin.MapGet("/audit", (string? actor, string? action, string? entity, string? entityId, int? limit, ManagerDatabase database) =>
        {
            using var connection = database.Open();
            return AuditLog.Query(connection, new AuditFilter(actor, action, entity, entityId, limit ?? 200));
        }).WithSummary("Read the audit log, newest first, filtered by actor, action prefix, entity and entity id");

        // Publishers: the same decisions and reports, scoped to the APIs their team owns.
        var team = app.MapGroup("/api/team").RequireAuthorization(Roles.Publisher).DisableAntiforgery();
        team.MapGet("/subscriptions", (string? state, HttpContext context, SelfService service) => service.Subscriptions(context.User.ToActor(), state));
        team.MapPost("/subscriptions/{subscriptionId:long}/approve", (long subscriptionId, HttpContext context, SelfService service) =>
            SelfServiceEndpoints.Run(() => Results.Ok(service.Decide(context.User.ToActor(), subscriptionId, approve: true))));
        team.MapPost("/subscriptions/{subscriptionId:long}/reject", (long subscriptionId, HttpContext context, SelfService service) =>
            SelfServiceEndpoints.Run(() => Results.Ok(service.Decide(context.User.ToActor(), subscriptionId, approve: false))));
        team.MapGet("/apis", (ManagedApis apis) => apis.List().Select(a => new { a.Api, a.Versions }));
        team.MapPost("/apis", (ManagedApis.CreateApiRequest request, HttpContext context, ManagedApis apis) =>
            SelfServiceEndpoints.Run(() => Results.Created($"/catalog/{request.Id}", apis.Create(context.User.ToActor(), request))));
        team.MapPut("/apis/{apiId}/versions/{version}/state", (string apiId, string version, ManagedApis.TransitionRequest request, HttpContext context, ManagedApis apis) =>
            SelfServiceEndpoints.Run(() => Results.Ok(apis.Transition(context.User.ToActor(), apiId, version, request))));
        team.MapGet("/reports", (string? state, HttpContext context, Feedback.FeedbackService feedback) =>
        {
            var actor = context.User.ToActor();
            return feedback.Reports(actor.IsAdmin ? null : actor.Team.Length > 0 ? actor.Team : "\0none", state);
        });

        app.MapGet("/api/admin/openapi.json", (EndpointDataSource endpoints) => Results.Text(AdminOpenApiDocument.Build(endpoints), "application/json"))
            .AllowAnonymous();
    }

    public sealed record RoleRequest(string Role);

    public sealed record TeamRequest(string Team);
}
