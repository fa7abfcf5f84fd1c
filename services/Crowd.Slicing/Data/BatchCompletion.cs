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

/// <summary>A task decided, as its batch's counters count it.</summary>
public readonly record struct DecidedTask(DecidedAs As, int AnnotationCount, int AgreeingCount);

public static class BatchCompletion
{
    /// <summary>
    /// Counts one more decided task of the batch (the caller makes sure each task is counted once) and completes the batch
    /// when it was the last. Every task, excluded ones too, produces exactly one <c>AnnotationsJudged</c>, so
    /// <see cref="BatchCompleted.FinalizedTaskCount"/> is the batch's task count and payouts settles the escrow after the last.
    /// </summary>
    public static Task CountDecidedTaskAsync(this UnitOfWork work, Guid batchId, DecidedAs decidedAs, int annotationCount, int agreeingCount = 0) =>
        work.CountDecidedTasksAsync(batchId, [new DecidedTask(decidedAs, annotationCount, agreeingCount)]);

    /// <summary>
    /// Counts several decided tasks of one batch with one update of its row (the row every decision of the batch takes
    /// turns on, so a consumer handling many decisions at once counts them together), and completes the batch when the
    /// last of them was its last.
    /// </summary>
    public static async Task CountDecidedTasksAsync(this UnitOfWork work, Guid batchId, IReadOnlyCollection<DecidedTask> decided)
    {
        if (decided.Count == 0)
        {
            return;
        }

        const string count = """
            UPDATE batches SET
                finalized_count  = finalized_count + @finalized,
                accepted_count   = accepted_count + @accepted,
                excluded_count   = excluded_count + @excluded,
                annotation_count = annotation_count + @annotationCount,
                agreeing_annotation_count = agreeing_annotation_count + @agreeingCount
            WHERE batch_id = @batchId
            RETURNING requester_id, finalized_count, task_count, status
            """;
        var batch = await work.QuerySingleAsync<(string RequesterId, int FinalizedCount, int TaskCount, string Status)>(count, new
        {
            finalized = decided.Count,
            accepted = decided.Count(d => d.As == DecidedAs.Accepted),
            excluded = decided.Count(d => d.As == DecidedAs.Excluded),
            annotationCount = decided.Sum(d => d.AnnotationCount),
            agreeingCount = decided.Sum(d => d.AgreeingCount),
            batchId,
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
