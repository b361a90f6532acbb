using EdgeProxy.Manager.Accounts;
using EdgeProxy.Manager.PolicyWriter;

namespace EdgeProxy.Manager.Apps;

/// <summary>The portal's self-service as JSON: apps, subscriptions, keys (the signed-in user's own).</summary>
public static class SelfServiceEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().DisableAntiforgery();
        api.MapGet("/apps", (HttpContext context, SelfService service) => service.Apps(context.User.ToActor()));
        api.MapPost("/apps", (CreateAppRequest request, HttpContext context, SelfService service) =>
            Run(() => Results.Created("/api/apps", service.CreateApp(context.User.ToActor(), request.Name, request.Description ?? ""))));
        api.MapGet("/apps/{appId:long}", (long appId, HttpContext context, SelfService service) =>
            service.App(context.User.ToActor(), appId) is { } view ? Results.Ok(view) : Results.NotFound());
        api.MapPost("/apps/{appId:long}/subscriptions", (long appId, SubscribeRequest request, HttpContext context, SelfService service) =>
            Run(() => Results.Created("/api/apps/" + appId, service.Subscribe(context.User.ToActor(), appId, request.Api, request.Plan))));
        api.MapPost("/subscriptions/{subscriptionId:long}/keys", (long subscriptionId, HttpContext context, SelfService service) =>
            Run(() => Results.Created("/api/subscriptions/" + subscriptionId, KeyAnswer.From(service.CreateKey(context.User.ToActor(), subscriptionId)))));
        api.MapGet("/subscriptions/{subscriptionId:long}/usage", async (long subscriptionId, HttpContext context, SelfService service, GatewayUsage usage) =>
        {
            if (service.Subscription(context.User.ToActor(), subscriptionId) is not { } subscription)
            {
                return Results.NotFound();
            }

            return await usage.ReadAsync(subscription.ConsumerId, context.RequestAborted) is { } periods
                ? Results.Ok(periods)
                : Results.Problem("The gateway's admin port did not answer.", statusCode: StatusCodes.Status502BadGateway);
        });
        api.MapPost("/keys/{keyId}/rotate", (string keyId, RotateRequest? request, HttpContext context, SelfService service) =>
            Run(() => Results.Ok(KeyAnswer.From(service.RotateKey(
                context.User.ToActor(), keyId, request?.GraceHours is { } hours ? TimeSpan.FromHours(hours) : SelfService.DefaultRotationGrace)))));
        api.MapPost("/keys/{keyId}/revoke", (string keyId, HttpContext context, SelfService service) =>
            Run(() => Results.Ok(service.RevokeKey(context.User.ToActor(), keyId).Public())));
    }

    /// <summary>Maps what the person can fix to 400/404 and a refused policy table to 409 with the gateway's errors.</summary>
    public static IResult Run(Func<IResult> action)
    {
        try
        {
            return action();
        }
        catch (SelfServiceException e)
        {
            return Results.Problem(e.Message, statusCode: e.NotFound ? StatusCodes.Status404NotFound : e.Forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status400BadRequest);
        }
        catch (PolicyRejectedException e)
        {
            return Results.Problem(
                e.Message,
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["errors"] = e.Errors.Select(error => error.ToString()).ToArray() });
        }
    }

    public sealed record CreateAppRequest(string Name, string? Description);

    public sealed record SubscribeRequest(string Api, string Plan);

    public sealed record RotateRequest(double? GraceHours);

    /// <summary>The one answer that carries a key in plain text; nothing else ever does.</summary>
    public sealed record KeyAnswer(string KeyId, string Key, DateTimeOffset CreatedAt)
    {
        public static KeyAnswer From(EdgeProxy.Policy.Keys.GeneratedApiKey key) => new(key.KeyId, key.Key, key.CreatedAt);
    }
}
