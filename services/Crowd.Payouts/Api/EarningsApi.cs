using System.Security.Claims;
using Crowd.Data;
using Crowd.Payouts.Domain;
using Crowd.ServiceDefaults.Auth;
using Crowd.ServiceDefaults.Errors;

namespace Crowd.Payouts.Api;

public sealed record EarningsLine(Guid AnnotationId, Guid BatchId, long AmountCents, string Kind, DateTime At);

public sealed record Earnings(long PendingCents, long PayableCents, long PaidCents, IReadOnlyList<EarningsLine> Lines);

public static class EarningsApi
{
    public static IEndpointRouteBuilder MapEarningsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/workers").RequireAuthorization().WithTags("Earnings").MapGet("/{workerId}/earnings", GetAsync);
        return app;
    }

    private static async Task<Earnings> GetAsync(string workerId, ClaimsPrincipal user, Database database)
    {
        if (!user.MayActFor(workerId))
        {
            throw new NotFoundException($"Worker {workerId} was not found.");
        }

        var payable = Account.WorkerPayable(workerId).Id;
        const string totals = """
            SELECT
                coalesce((SELECT sum(reward_cents) FROM annotation_earnings WHERE worker_id = @workerId AND state = 'submitted'), 0)::bigint AS pending_cents,
                coalesce((SELECT balance_cents FROM accounts WHERE account_id = @payable), 0) AS payable_cents,
                coalesce((SELECT -sum(e.amount_cents) FROM ledger_entries e JOIN ledger_transactions t USING (transaction_id)
                          WHERE e.account_id = @payable AND t.kind = 'payout'), 0)::bigint AS paid_cents
            """;
        const string lines = """
            SELECT t.annotation_id, t.batch_id, e.amount_cents, t.kind, t.created_at AS at
            FROM ledger_entries e JOIN ledger_transactions t USING (transaction_id)
            WHERE e.account_id = @payable AND t.kind IN ('reward', 'bonus')
            ORDER BY t.created_at DESC
            LIMIT 1000
            """;
        await using var work = await database.BeginAsync();
        var sums = await work.QuerySingleAsync<(long PendingCents, long PayableCents, long PaidCents)>(totals, new { workerId, payable });
        var recent = (await work.QueryAsync<EarningsLine>(lines, new { payable })).ToList();
        return new Earnings(sums.PendingCents, sums.PayableCents, sums.PaidCents, recent);
    }
}
