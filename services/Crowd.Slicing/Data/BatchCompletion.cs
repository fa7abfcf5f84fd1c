using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Slicing.Domain;

namespace Crowd.Slicing.Data;

/// <summary>How a decided task is counted, whether it got a final label or QA excluded it.</summary>
public enum DecidedAs
{
    /// <summary>A final label in the results.</summary>
    Accepted,

    /// <summary>A gold task's answer: it measured workers and is never in the results.</summary>
    Gold,

    /// <summary>Dropped from the results by a QA reviewer.</summary>
    Excluded,
}

public static class BatchCompletion
{
    /// <summary>
    /// Counts one more decided task of the batch (the caller makes sure each task is counted once) and completes the batch
    /// when it was the last. Every task, excluded ones too, produces exactly one <c>AnnotationsJudged</c>, so
    /// <see cref="BatchCompleted.FinalizedTaskCount"/> is the batch's task count and payouts settles the escrow after the last.
    /// </summary>
    public static async Task CountDecidedTaskAsync(
        this UnitOfWork work, Guid batchId, DecidedAs decidedAs, int annotationCount, int agreeingCount = 0)
    {
        const string count = """
            UPDATE batches SET
                finalized_count  = finalized_count + 1,
                accepted_count   = accepted_count + CASE WHEN @accepted THEN 1 ELSE 0 END,
                excluded_count   = excluded_count + CASE WHEN @excluded THEN 1 ELSE 0 END,
                annotation_count = annotation_count + @annotationCount,
                agreeing_annotation_count = agreeing_annotation_count + @agreeingCount
            WHERE batch_id = @batchId
            RETURNING requester_id, finalized_count, task_count, status
            """;
        var batch = await work.QuerySingleAsync<(string RequesterId, int FinalizedCount, int TaskCount, string Status)>(count, new
        {
            accepted = decidedAs == DecidedAs.Accepted, excluded = decidedAs == DecidedAs.Excluded, annotationCount, agreeingCount, batchId,
        });

        if (batch.FinalizedCount == batch.TaskCount && batch.Status == BatchStatus.Open)
        {
            var completedAt = DateTimeOffset.UtcNow;
            await work.ExecuteAsync(
                "UPDATE batches SET status = @completed, completed_at = @completedAt WHERE batch_id = @batchId",
                new { completed = BatchStatus.Completed, completedAt, batchId });
            work.AuditStatus(batchId, BatchStatus.Completed, AuditActor.System, $"{batch.TaskCount} tasks finalized");
            work.Publish(new BatchCompleted
            {
                BatchId = batchId,
                RequesterId = batch.RequesterId,
                FinalizedTaskCount = batch.TaskCount,
                CompletedAt = completedAt,
            });
        }
    }
}
