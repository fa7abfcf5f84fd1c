using Crowd.Contracts.Annotations;
using Crowd.Data;
using Crowd.Payouts.Data;
using Crowd.Payouts.Domain;
using MassTransit;

namespace Crowd.Payouts.Consumers;

/// <summary>
/// Pays each judged annotation its reward from the batch's escrow, with the platform fee, once per annotation
/// (key <c>reward:{annotationId}</c>), then settles the batch if this was the last task it waited for.
/// </summary>
public sealed class AnnotationsJudgedConsumer(Database database) : InboxConsumer<AnnotationsJudged>(database)
{
    protected override Task HandleAsync(UnitOfWork work, ConsumeContext<AnnotationsJudged> context) => PayAsync(work, context.Message);

    /// <summary>The consumer's work on one message, inside <paramref name="work"/> (it does not commit).</summary>
    public static async Task PayAsync(UnitOfWork work, AnnotationsJudged judged)
    {
        var escrow = await work.LockEscrowAsync(judged.BatchId)
            ?? throw new InvalidOperationException($"Batch {judged.BatchId} has no escrow here; its BatchSubmitted must come first.");
        if (escrow.Status != Escrows.Funded)
        {
            throw new InvalidOperationException($"Batch {judged.BatchId} is {escrow.Status}; its escrow cannot pay annotations.");
        }

        var escrowAccount = Account.Escrow(judged.BatchId, escrow.RequesterId);
        foreach (var annotation in judged.Annotations)
        {
            var fee = escrow.FeeCentsPerAnnotation;
            var entries = new List<Entry>
            {
                new(escrowAccount, -(annotation.RewardCents + fee)),
                new(Account.WorkerPayable(annotation.WorkerId), annotation.RewardCents),
            };
            if (fee > 0)
            {
                entries.Add(new Entry(Account.PlatformFees, fee));
            }

            await work.PostAsync(new Movement($"reward:{annotation.AnnotationId}", "reward", entries, judged.BatchId, annotation.AnnotationId,
                $"reward for annotation {annotation.AnnotationId} on task {judged.TaskId}"));
        }

        await work.RecordPaidAsync(judged.Annotations.Select(a => new EarnedAnnotation(a.AnnotationId, a.WorkerId, judged.BatchId, a.RewardCents)));

        const string countTask = """
            WITH first_time AS (
                INSERT INTO judged_tasks (task_id, batch_id) VALUES (@TaskId, @BatchId) ON CONFLICT DO NOTHING RETURNING 1
            )
            UPDATE batch_escrows SET judged_task_count = judged_task_count + (SELECT count(*) FROM first_time)
            WHERE batch_id = @BatchId
            """;
        await work.ExecuteAsync(countTask, new { judged.TaskId, judged.BatchId });
        await work.SettleIfDoneAsync(judged.BatchId);
    }
}
