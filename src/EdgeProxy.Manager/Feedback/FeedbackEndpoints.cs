using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.Apps;

namespace EdgeProxy.Manager.Feedback;

/// <summary>Comments and problem reports as JSON; reading a thread needs no account, writing does.</summary>
public static class FeedbackEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/apis/{apiId}/comments", (string apiId, FeedbackService feedback) => feedback.Comments(apiId));
        var signedIn = app.MapGroup("/api/apis/{apiId}").RequireAuthorization().DisableAntiforgery();
        signedIn.MapPost("/comments", (string apiId, CommentRequest request, HttpContext context, FeedbackService feedback) =>
            SelfServiceEndpoints.Run(() => Results.Created($"/api/apis/{apiId}/comments", feedback.Comment(context.User.ToActor(), apiId, request.Body))));
        signedIn.MapPost("/reports", (string apiId, ReportRequest request, HttpContext context, FeedbackService feedback) =>
            SelfServiceEndpoints.Run(() => Results.Created("/api/admin/reports", feedback.Report(context.User.ToActor(), apiId, request.Subject, request.Body))));
    }

    public sealed record CommentRequest(string Body);

    public sealed record ReportRequest(string Subject, string Body);
}
