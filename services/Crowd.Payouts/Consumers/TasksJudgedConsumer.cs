using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Data.Messaging;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Pays each judged annotation its reward from the batch's escrow, and each one that agrees with the final label the
/// batch's bonus, with the platform fee on both, once per annotation (keys <c>reward:{annotationId}</c>,
/// <c>bonus:{annotationId}</c>), then settles the batch if this was the last task it waited for. Every payment of a
/// batch takes turns on its escrow, and every payment of the platform on the fee account, so judgements are paid in
/// batches (consensus bundles the judgements of each of its transactions, and several bundles are taken at once): one
/// turn on those rows pays them all.
/// </summary>
public sealed class TasksJudgedConsumer(Database database) : InboxBatchConsumer<TasksJudged>(database)
{
    protected override Task HandleAsync(UnitOfWork work, IReadOnlyList<TasksJudged> messages) => PayAsync(work, [.. messages.SelectMany(m => m.Tasks)]);

    /// <summary>The work on one judgement, inside <paramref name="work"/> (it does not commit).</summary>
    public static Task PayAsync(UnitOfWork work, AnnotationsJudged judged) => PayAsync(work, [judged]);

    /// <summary>
    /// The consumer's work on several judgements, inside <paramref name="work"/> (it does not commit). Everything that
    /// touches rows of these tasks and annotations only is written first; the rows every payment of a batch (its escrow,
    /// its balance) or of the platform (the fee account) must take turns on are locked last, escrow rows first in batch
    /// order as settlement takes them, then the accounts in id order, so payments wait for each other only for a few
    /// statements and the commit, and two of these transactions cannot deadlock.
    /// </summary>
    public static async Task PayAsync(UnitOfWork work, IReadOnlyList<AnnotationsJudged> judgements)
    {
        var batchIds = judgements.Select(j => j.BatchId).Distinct().Order().ToArray();
        var escrows = new Dictionary<Guid, EscrowRow>();
        foreach (var batchId in batchIds)
        {
            escrows[batchId] = EnsureFunded(await work.ReadEscrowAsync(batchId), batchId);
        }

        var payments = judgements
            .SelectMany(j => AnnotationPayments.For(j, Account.Escrow(j.BatchId, escrows[j.BatchId].RequesterId), escrows[j.BatchId].Terms))
            .ToList();
        var recorded = await work.RecordAsync(payments);
        await work.RecordPaidAsync(judgements.SelectMany(j => j.Annotations.Select(a => new EarnedAnnotation(a.AnnotationId, a.WorkerId, j.BatchId, a.RewardCents))));
        var firstTimeTasks = await work.RecordJudgedTasksAsync(judgements);

        // The hot rows, last: the escrows (settled meanwhile? then nothing may be paid from them), then the balances.
        foreach (var batchId in batchIds)
        {
            EnsureFunded(await work.LockEscrowAsync(batchId), batchId);
        }

        await work.ApplyBalancesAsync(recorded);
        foreach (var batchId in batchIds)
        {
            var judgedNow = firstTimeTasks.GetValueOrDefault(batchId);
            if (judgedNow > 0)
            {
                await work.ExecuteAsync(
                    "UPDATE batch_escrows SET judged_task_count = judged_task_count + @judgedNow WHERE batch_id = @batchId", new { judgedNow, batchId });
            }

            await work.SettleIfDoneAsync(batchId);
        }
    }

    private static EscrowRow EnsureFunded(EscrowRow? escrow, Guid batchId) =>
        escrow?.Status == Escrows.Funded
            ? escrow
            : throw new InvalidOperationException($"Batch {batchId} is {escrow?.Status ?? "unknown"}; its escrow cannot pay annotations.");
}

/// <summary>
/// Two batches of bundles in hand per instance, so one can record its payments while the other holds the escrow and fee
/// rows through its commit.
/// </summary>
public sealed class TasksJudgedConsumerDefinition : BundleConsumerDefinition<TasksJudgedConsumer>;
