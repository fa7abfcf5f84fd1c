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

    /// <summary>The batch was cancelled before payouts saw it: nothing was held, nothing is to return.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// Returns what is left in escrow to the requester once nothing more can be paid from it (<see cref="Settlement"/>):
    /// BatchCompleted can overtake the last AnnotationsJudged, and BatchDrained the last payment of a cancelled batch,
    /// so whichever comes last settles. The escrow's row lock orders them.
    /// </summary>
    public static async Task SettleIfDoneAsync(this UnitOfWork work, Guid batchId)
    {
        // One round trip on the payment path: the escrow, locked, with a cancelled batch's progress when there is one.
        const string progress = """
            SELECT e.requester_id, e.status, e.judged_task_count, e.expected_task_count, c.drained_annotation_count,
                   CASE WHEN c.batch_id IS NULL THEN 0 ELSE
                       (SELECT count(*) FROM ledger_transactions t WHERE t.batch_id = @batchId AND t.kind = 'reward') END AS paid_annotation_count
            FROM batch_escrows e LEFT JOIN batch_cancellations c USING (batch_id)
            WHERE e.batch_id = @batchId
            FOR UPDATE OF e
            """;
        var escrow = await work.QuerySingleOrDefaultAsync<(string RequesterId, string Status, int JudgedTaskCount, int? ExpectedTaskCount,
            int? DrainedAnnotationCount, long PaidAnnotationCount)?>(progress, new { batchId });
        if (escrow is not { Status: Funded } funded || !Settlement.IsDue(new SettlementProgress(
            funded.JudgedTaskCount, funded.ExpectedTaskCount, funded.DrainedAnnotationCount, funded.PaidAnnotationCount)))
        {
            return;
        }

        var account = Account.Escrow(batchId, funded.RequesterId);
        var left = await work.BalanceAsync(account, forUpdate: true);
        if (left > 0)
        {
            await work.PostAsync(Movement.Transfer(
                $"settle:{batchId}", "settle", account, Account.RequesterAvailable(funded.RequesterId), left, batchId, "unspent escrow returned"));
        }

        await work.ExecuteAsync(
            "UPDATE batch_escrows SET status = @Settled, settled_at = now() WHERE batch_id = @batchId", new { Settled, batchId });
    }
}
