using System.Security.Claims;
using Crowd.Data;
using Crowd.ServiceDefaults;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Api;

/// <summary>API.md "Webhooks": a requester's signing secret, the deliveries of their batches' events, and redelivering one.</summary>
public static class WebhooksApi
{
    private static readonly string[] Statuses = ["pending", "delivered", "failed"];

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var requesters = app.MapGroupFor("/v1/requesters/{requesterId}", Roles.Requester).WithTags("Webhooks");
        requesters.MapPost("/webhook-secret", NewSecretAsync);
        requesters.MapGet("/webhook-deliveries", ListAsync);
        app.MapGroupFor("/v1/webhook-deliveries", Roles.Requester).WithTags("Webhooks").MapPost("/{deliveryId:guid}/redeliver", RedeliverAsync);
        return app;
    }

    public sealed record SecretView(string Secret);

    public sealed record DeliveryView(
        Guid DeliveryId, string Type, Guid BatchId, string Url, string Status, int Attempts, int? LastStatus, string? LastError,
        DateTime CreatedAt, DateTime NextAttemptAt, DateTime? DeliveredAt);

    /// <summary>
    /// A new secret signs from now on; the one it replaces stays valid (and signs too) for 24 hours. Only the requester
    /// may make one: an admin who could would hold a key to forge the requester's events (403), and another requester's
    /// id is not found (404).
    /// </summary>
    private static async Task<IResult> NewSecretAsync(string requesterId, ClaimsPrincipal user, Database database)
    {
        if (user.Id() != requesterId)
        {
            return user.IsAdmin()
                ? Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Only the requester may make its webhook secret.")
                : throw new NotFoundException($"Requester {requesterId} was not found.");
        }

        var secret = WebhookSignature.NewSecret();
        await using var work = await database.BeginAsync();
        await work.ExecuteAsync("""
            SELECT pg_advisory_xact_lock(hashtextextended('webhook-secret:' || @requesterId, 0));
            UPDATE webhook_secrets SET expires_at = now() + interval '24 hours' WHERE requester_id = @requesterId AND expires_at IS NULL;
            INSERT INTO webhook_secrets (requester_id, secret) VALUES (@requesterId, @secret);
            """, new { requesterId, secret });
        await work.CommitAsync();
        return Results.Json(new SecretView(secret), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<Page<DeliveryView>> ListAsync(string requesterId, ClaimsPrincipal user, Database database, string? status, Guid? after, int? limit)
    {
        EnsureOwn(user, requesterId);
        if (status is not null && !Statuses.Contains(status))
        {
            throw new UnprocessableException("status", $"Must be one of: {string.Join(", ", Statuses)}.");
        }

        var pageSize = Paging.Limit(limit);
        await using var work = await database.BeginAsync();
        var rows = (await work.QueryAsync<DeliveryView>("""
            SELECT delivery_id, type, batch_id, url, status, attempts, last_status, last_error, created_at, next_attempt_at, delivered_at
            FROM webhook_deliveries
            WHERE requester_id = @requesterId AND (@status::text IS NULL OR status = @status) AND (@after::uuid IS NULL OR delivery_id > @after)
            ORDER BY delivery_id
            LIMIT @pageSize
            """, new { requesterId, status, after, pageSize })).ToList();
        return new Page<DeliveryView>(rows, rows.Count == pageSize ? rows[^1].DeliveryId.ToString() : null);
    }

    /// <summary>Sends the event again, now, under the same id; retried as a new one would be if the receiver fails again.</summary>
    private static async Task<IResult> RedeliverAsync(Guid deliveryId, ClaimsPrincipal user, Database database)
    {
        await using var work = await database.BeginAsync();
        var owner = await work.ExecuteScalarAsync<string?>(
            "SELECT requester_id FROM webhook_deliveries WHERE delivery_id = @deliveryId FOR UPDATE", new { deliveryId });
        if (owner is null || !user.MayActFor(owner))
        {
            throw new NotFoundException($"Webhook delivery {deliveryId} was not found.");
        }

        await work.ExecuteAsync(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), retrying_since = now() WHERE delivery_id = @deliveryId",
            new { deliveryId });
        await work.CommitAsync();
        return Results.Accepted(value: new { deliveryId, status = "pending" });
    }

    /// <summary>Another requester's webhooks are answered as not found, as their batches are.</summary>
    private static void EnsureOwn(ClaimsPrincipal user, string requesterId)
    {
        if (!user.MayActFor(requesterId))
        {
            throw new NotFoundException($"Requester {requesterId} was not found.");
        }
    }
}
