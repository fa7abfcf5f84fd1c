using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Pays each judged annotation its reward from the batch's escrow, and each one that agrees with the final label the
/// batch's bonus, with the platform fee on both, once per annotation (keys <c>reward:{annotationId}</c>,
/// <c>bonus:{annotationId}</c>), then settles the batch if this was the last task it waited for.
/// </summary>
public sealed class AnnotationsJudgedConsumer(Database database) : InboxConsumer<AnnotationsJudged>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<AnnotationsJudged> context) => PayAsync(work, context.Message);

    /// <summary>
    /// The consumer's work on one message, inside <paramref name="work"/> (it does not commit). Everything that touches
    /// rows of this task and its annotations only is written first; the rows every payment of the batch (the escrow, its
    /// balance) or of the platform (the fee account) must take turns on are locked last, escrow row first as
    /// settlement takes them, so a batch's payments wait for each other only for a few statements and the commit.
    /// </summary>
    public static async Task PayAsync(UnitOfWork work, AnnotationsJudged judged)
    {
        var escrow = await work.ReadEscrowAsync(judged.BatchId)
            ?? throw new InvalidOperationException($"Batch {judged.BatchId} has no escrow here; its BatchSubmitted must come first.");
        EnsureFunded(escrow, judged.BatchId);

        var payments = AnnotationPayments.For(judged, Account.Escrow(judged.BatchId, escrow.RequesterId), escrow.Terms);
        var recorded = await work.RecordAsync(payments);
        await work.RecordPaidAsync(judged.Annotations.Select(a => new EarnedAnnotation(a.AnnotationId, a.WorkerId, judged.BatchId, a.RewardCents)));
        var firstTime = await work.ExecuteAsync(
            "INSERT INTO judged_tasks (task_id, batch_id) VALUES (@TaskId, @BatchId) ON CONFLICT DO NOTHING", new { judged.TaskId, judged.BatchId });

        // The hot rows, last: the escrow (settled meanwhile? then nothing may be paid from it), then the balances.
        EnsureFunded(await work.LockEscrowAsync(judged.BatchId), judged.BatchId);
        await work.ApplyBalancesAsync(recorded);
        if (firstTime == 1)
        {
            await work.ExecuteAsync(
                "UPDATE batch_escrows SET judged_task_count = judged_task_count + 1 WHERE batch_id = @BatchId", new { judged.BatchId });
        }

        await work.SettleIfDoneAsync(judged.BatchId);
    }

    private static void EnsureFunded(EscrowRow? escrow, Guid batchId)
    {
        if (escrow?.Status != Escrows.Funded)
        {
            throw new InvalidOperationException($"Batch {batchId} is {escrow?.Status ?? "unknown"}; its escrow cannot pay annotations.");
        }
    }
}
