using Crowd.Contracts.Annotations;
using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Slicing.Data;
using Crowd.Slicing.Domain;
using MassTransit;

namespace Crowd.Slicing.Consumers;

/// <summary>Stores a task's final label once, and completes the batch when its last task is final.</summary>
public sealed class LabelAcceptedConsumer(Database database) : InboxConsumer<LabelAccepted>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<LabelAccepted> context)
    {
        var label = context.Message;
        const string storeResult = """
            INSERT INTO results (task_id, batch_id, label, confidence, agreement, annotation_count, source)
            VALUES (@TaskId, @BatchId, @Label::jsonb, @Confidence, @Agreement, @AnnotationCount, @Source)
            ON CONFLICT (task_id) DO NOTHING
            """;
        var stored = await work.ExecuteAsync(storeResult, new
        {
            label.TaskId, label.BatchId, Label = label.Label.GetRawText(), label.Confidence, label.Agreement, label.AnnotationCount, label.Source,
        });

        if (stored == 1)
        {
            const string count = """
                UPDATE batches SET
                    finalized_count  = finalized_count + 1,
                    accepted_count   = accepted_count + CASE WHEN @isGold THEN 0 ELSE 1 END,
                    annotation_count = annotation_count + @AnnotationCount
                WHERE batch_id = @BatchId
                RETURNING requester_id, finalized_count, task_count, status
                """;
            var batch = await work.QuerySingleAsync<(string RequesterId, int FinalizedCount, int TaskCount, string Status)>(
                count, new { isGold = label.IsGold, label.AnnotationCount, label.BatchId });

            if (batch.FinalizedCount == batch.TaskCount && batch.Status == BatchStatus.Open)
            {
                var completedAt = DateTimeOffset.UtcNow;
                await work.ExecuteAsync(
                    "UPDATE batches SET status = @completed, completed_at = @completedAt WHERE batch_id = @BatchId",
                    new { completed = BatchStatus.Completed, completedAt, label.BatchId });
                work.AuditStatus(label.BatchId, BatchStatus.Completed, AuditActor.System, $"{batch.TaskCount} tasks finalized");
                work.Publish(new BatchCompleted
                {
                    BatchId = label.BatchId,
                    RequesterId = batch.RequesterId,
                    FinalizedTaskCount = batch.TaskCount,
                    CompletedAt = completedAt,
                });
            }
        }
    }
}
