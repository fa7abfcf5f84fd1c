using Crowd.Data;
using Crowd.Payouts.Domain;

namespace Crowd.Payouts.Data;

public sealed record EscrowRow(
    Guid BatchId, string RequesterId, long MaxCostCents, long FeeCentsPerAnnotation, int TaskCount, string Status,
    int JudgedTaskCount, int? ExpectedTaskCount);

public static class Escrows
{
    public const string Funded = "funded";
    public const string Rejected = "rejected";
    public const string Settled = "settled";

    public static Task<EscrowRow?> LockEscrowAsync(this UnitOfWork work, Guid batchId) =>
        work.QuerySingleOrDefaultAsync<EscrowRow>("""
            SELECT batch_id, requester_id, max_cost_cents, fee_cents_per_annotation, task_count, status, judged_task_count, expected_task_count
            FROM batch_escrows WHERE batch_id = @batchId FOR UPDATE
            """, new { batchId });

    /// <summary>
    /// Returns what is left in escrow to the requester, once the batch is complete and every one of its finalized
    /// tasks has been judged and paid: BatchCompleted can overtake the last AnnotationsJudged, so either may settle.
    /// </summary>
    public static async Task SettleIfDoneAsync(this UnitOfWork work, Guid batchId)
    {
        var escrow = await work.LockEscrowAsync(batchId);
        if (escrow is not { Status: Funded, ExpectedTaskCount: { } expected } || escrow.JudgedTaskCount < expected)
        {
            return;
        }

        var account = Account.Escrow(batchId, escrow.RequesterId);
        var left = await work.BalanceAsync(account, forUpdate: true);
        if (left > 0)
        {
            await work.PostAsync(Movement.Transfer(
                $"settle:{batchId}", "settle", account, Account.RequesterAvailable(escrow.RequesterId), left, batchId, "unspent escrow returned"));
        }

        await work.ExecuteAsync(
            "UPDATE batch_escrows SET status = @Settled, settled_at = now() WHERE batch_id = @batchId", new { Settled, batchId });
    }
}
