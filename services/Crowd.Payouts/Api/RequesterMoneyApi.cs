using System.Security.Claims;
using Crowd.Data;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;

namespace Crowd.Payouts.Api;

public sealed record DepositRequest
{
    public long? AmountCents { get; init; }
    public string? Reference { get; init; }
}

public sealed class DepositValidator : AbstractValidator<DepositRequest>
{
    public DepositValidator()
    {
        RuleFor(d => d.AmountCents).NotNull().InclusiveBetween(1, 100_000_000_00);
        RuleFor(d => d.Reference).NotEmpty().MaximumLength(200);
    }
}

public sealed record DepositAccepted(long BalanceCents);

public sealed record RequesterBalance(long AvailableCents, long EscrowCents, long SpentCents);

public static class RequesterMoneyApi
{
    public static IEndpointRouteBuilder MapRequesterMoneyApi(this IEndpointRouteBuilder app)
    {
        app.MapGroupFor("/v1/requesters", Roles.Admin).WithTags("Money").MapPost("/{requesterId}/deposits", DepositAsync);
        app.MapGroupFor("/v1/requesters", Roles.Requester).WithTags("Money").MapGet("/{requesterId}/balance", BalanceAsync);
        return app;
    }

    /// <summary>Money arrives from outside (a wire, a card): external → the requester's available balance.</summary>
    private static async Task<IResult> DepositAsync(
        string requesterId, DepositRequest request, ClaimsPrincipal user, Database database,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        await using var work = await database.BeginAsync();
        var key = IdempotencyKey.Of(
            idempotencyKey, user.Id(), $"deposit:{requesterId}", HttpMethods.Post, $"/v1/requesters/{requesterId}/deposits", request);
        if (key is not null && await work.FindAsync(key) is { } earlier)
        {
            return Results.Json(earlier.Body, statusCode: earlier.StatusCode);
        }

        // The ledger's own key names the admin too: keys are each principal's, so another admin's deposit under the same
        // key is another deposit (it used to be taken for a replay of the first, and answered 201 with no money moved).
        var available = Account.RequesterAvailable(requesterId);
        await work.PostAsync(Movement.Transfer(
            key is null ? $"deposit:{requesterId}:{Guid.CreateVersion7()}" : $"deposit:{requesterId}:{key.Principal}:{key.Key}",
            "deposit", Account.External, available, request.AmountCents!.Value, description: request.Reference, actor: user.ActingAs(Roles.Admin)));
        var accepted = new DepositAccepted(await work.BalanceAsync(available));
        if (key is not null)
        {
            await work.RememberAsync(key, StatusCodes.Status201Created, accepted);
        }

        await work.CommitAsync();
        return Results.Created($"/v1/requesters/{requesterId}/balance", accepted);
    }

    private static async Task<RequesterBalance> BalanceAsync(string requesterId, ClaimsPrincipal user, Database database)
    {
        if (!user.MayActFor(requesterId))
        {
            throw new NotFoundException($"Requester {requesterId} was not found.");
        }

        // Spent is what left the requester's escrows for work done: rewards, bonuses and their fees, never settlements back.
        const string sql = """
            SELECT
                coalesce((SELECT balance_cents FROM accounts WHERE account_id = @available), 0) AS available_cents,
                coalesce((SELECT sum(balance_cents) FROM accounts WHERE owner_id = @requesterId AND kind = 'escrow'), 0)::bigint AS escrow_cents,
                coalesce((SELECT -sum(e.amount_cents)
                          FROM ledger_entries e
                          JOIN accounts a ON a.account_id = e.account_id
                          JOIN ledger_transactions t ON t.transaction_id = e.transaction_id
                          WHERE a.owner_id = @requesterId AND a.kind = 'escrow' AND t.kind IN ('reward', 'bonus')), 0)::bigint AS spent_cents
            """;
        await using var work = await database.BeginAsync();
        return await work.QuerySingleAsync<RequesterBalance>(sql, new { available = Account.RequesterAvailable(requesterId).Id, requesterId });
    }
}
