using Crowd.Data;
using Crowd.Payouts.Domain;

namespace Crowd.Payouts.Data;

public sealed record EscrowRow(
    Guid BatchId, string RequesterId, long MaxCostCents, long FeeCentsPerAnnotation, int TaskCount, string Status,
    int JudgedTaskCount, int? ExpectedTaskCount, long BonusCents, long FeeCentsPerBonus, int? ExpectedAnnotationCount)
{
    /// <summary>What each judged annotation is charged to this escrow: its reward's fee, and the bonus with its fee if it agrees.</summary>
    public PayTerms Terms => new(FeeCentsPerAnnotation, BonusCents, FeeCentsPerBonus);
}

public static class Escrows
{
    public const string Funded = "funded";
    public const string Rejected = "rejected";
    public const string Settled = "settled";

    private const string EscrowColumns =
        """
        batch_id, requester_id, max_cost_cents, fee_cents_per_annotation, task_count, status, judged_task_count, expected_task_count,
        bonus_cents, fee_cents_per_bonus, expected_annotation_count
        """;

    public static Task<EscrowRow?> LockEscrowAsync(this UnitOfWork work, Guid batchId) =>
        work.QuerySingleOrDefaultAsync<EscrowRow>($"SELECT {EscrowColumns} FROM batch_escrows WHERE batch_id = @batchId FOR UPDATE", new { batchId });

    /// <summary>The escrow as committed, unlocked: what does not change once funded (requester, fee), or a first look at its status.</summary>
    public static Task<EscrowRow?> ReadEscrowAsync(this UnitOfWork work, Guid batchId) =>
        work.QuerySingleOrDefaultAsync<EscrowRow>($"SELECT {EscrowColumns} FROM batch_escrows WHERE batch_id = @batchId", new { batchId });

    /// <summary>
    /// Notes the judgements' tasks as judged, once each (a task judged again, or twice in one batch of messages, is not
    /// counted again), and returns how many tasks of each batch were judged for the first time.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, int>> RecordJudgedTasksAsync(
        this UnitOfWork work, IEnumerable<Contracts.Annotations.AnnotationsJudged> judgements)
    {
        var tasks = judgements.DistinctBy(j => j.TaskId).OrderBy(j => j.TaskId).ToArray();
        const string note = """
            INSERT INTO judged_tasks (task_id, batch_id)
            SELECT * FROM unnest(@taskIds, @batchIds)
            ON CONFLICT DO NOTHING
            RETURNING batch_id
            """;
        var firstTime = await work.QueryAsync<Guid>(note, new { taskIds = tasks.Select(t => t.TaskId).ToArray(), batchIds = tasks.Select(t => t.BatchId).ToArray() });
        return firstTime.GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>The batch was cancelled before payouts saw it: nothing was held, nothing is to return.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>
    /// Returns what is left in escrow to the requester once nothing more can be paid from it (<see cref="Settlement"/>):
    /// BatchCompleted can overtake the last AnnotationsJudged, and BatchDrained the last payment of a cancelled batch,
    /// so whichever comes last settles. The escrow's row lock orders them.
    /// </summary>
    public static async Task SettleIfDoneAsync(this UnitOfWork work, Guid batchId)
    {
        var escrow = await work.LockEscrowAsync(batchId);
        if (escrow is not { Status: Funded } funded)
        {
            return;
        }

        // A statement of its own, after the lock: its snapshot must see what the holder we may have waited for committed
        // (a payment, or the drain). Read in the locking statement, the progress could predate it, and the two
        // transactions could each conclude the other would settle.
        // Annotations paid are counted only once the batch has completed or been drained: before that nothing is due.
        const string progress = """
            SELECT (SELECT c.drained_annotation_count FROM batch_cancellations c WHERE c.batch_id = @batchId) AS drained_annotation_count,
                   CASE WHEN @completed OR EXISTS (SELECT 1 FROM batch_cancellations c WHERE c.batch_id = @batchId)
                        THEN (SELECT count(*) FROM ledger_transactions t WHERE t.batch_id = @batchId AND t.kind = 'reward') ELSE 0 END
                       AS paid_annotation_count
            """;
        var (drained, paid) = await work.QuerySingleAsync<(int? DrainedAnnotationCount, long PaidAnnotationCount)>(
            progress, new { batchId, completed = funded.ExpectedTaskCount is not null });
        if (!Settlement.IsDue(new SettlementProgress(
            funded.JudgedTaskCount, funded.ExpectedTaskCount, drained, paid, funded.ExpectedAnnotationCount)))
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
