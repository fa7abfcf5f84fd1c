using Crowd.Contracts.Batches;
using Crowd.Data;
using Crowd.Data.Audit;
using Crowd.Slicing.Domain;
using Crowd.Slicing.Webhooks;

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

/// <summary>A task decided for the first time, as its batch's counters count it; <see cref="Revision"/> is 0 when it has no result row (excluded).</summary>
public readonly record struct DecidedTask(DecidedAs As, int AnnotationCount, int AgreeingCount, int Revision = 1);

/// <summary>
/// A task counted before whose result changed (README, "Revisions"): a later revision of its label, or QA excluding it
/// after a revisit disputed it. Each field is what the change adds to the batch's counter of that name.
/// </summary>
public readonly record struct RevisedTask(int AnnotationDelta, int AgreeingDelta, int RevisionDelta, int AcceptedDelta = 0, int ExcludedDelta = 0);

public static class BatchCompletion
{
    /// <summary>
    /// Counts one more decided task of the batch (the caller makes sure each task is counted once) and completes the batch
    /// when it was the last. Every task, excluded ones too, produces exactly one <c>AnnotationsJudged</c>, so
    /// <see cref="BatchCompleted.FinalizedTaskCount"/> is the batch's task count and payouts settles the escrow after the last.
    /// </summary>
    public static Task CountDecidedTaskAsync(this UnitOfWork work, Guid batchId, DecidedAs decidedAs, int annotationCount, int agreeingCount = 0) =>
        work.CountDecidedTasksAsync(batchId, [new DecidedTask(decidedAs, annotationCount, agreeingCount, decidedAs == DecidedAs.Excluded ? 0 : 1)]);

    /// <summary>
    /// Counts several decided tasks of one batch, and the revised results of tasks counted before, with one update of its
    /// row (the row every decision of the batch takes turns on, so a consumer handling many decisions at once counts them
    /// together), and completes the batch when it is done (<see cref="CompleteIfDoneAsync"/>).
    /// </summary>
    public static async Task CountDecidedTasksAsync(
        this UnitOfWork work, Guid batchId, IReadOnlyCollection<DecidedTask> decided, IReadOnlyCollection<RevisedTask>? revised = null)
    {
        revised ??= [];
        if (decided.Count == 0 && revised.Count == 0)
        {
            return;
        }

        const string count = $"""
            UPDATE batches SET
                finalized_count  = finalized_count + @finalized,
                accepted_count   = accepted_count + @accepted,
                excluded_count   = excluded_count + @excluded,
                annotation_count = annotation_count + @annotationCount,
                agreeing_annotation_count = agreeing_annotation_count + @agreeingCount,
                revision_sum     = revision_sum + @revisionSum
            WHERE batch_id = @batchId
            RETURNING {ProgressColumns}
            """;
        var progress = await work.QuerySingleAsync<BatchProgress>(count, new
        {
            finalized = decided.Count,
            accepted = decided.Count(d => d.As == DecidedAs.Accepted) + revised.Sum(r => r.AcceptedDelta),
            excluded = decided.Count(d => d.As == DecidedAs.Excluded) + revised.Sum(r => r.ExcludedDelta),
            annotationCount = decided.Sum(d => d.AnnotationCount) + revised.Sum(r => r.AnnotationDelta),
            agreeingCount = decided.Sum(d => d.AgreeingCount) + revised.Sum(r => r.AgreeingDelta),
            revisionSum = decided.Sum(d => d.Revision) + revised.Sum(r => r.RevisionDelta),
            batchId,
        });
        await work.CompleteIfDoneAsync(batchId, progress);
    }

    /// <summary>Notes consensus's word that the batch's labels are stable, and completes the batch if nothing else is missing.</summary>
    public static async Task NoteStableLabelsAsync(this UnitOfWork work, BatchLabelsStable stable)
    {
        var progress = await work.QuerySingleOrDefaultAsync<BatchProgress>($"""
            UPDATE batches SET stable_revision_sum = @RevisionSum, judged_annotation_count = @JudgedAnnotationCount
            WHERE batch_id = @BatchId
            RETURNING {ProgressColumns}
            """, new { stable.BatchId, stable.RevisionSum, stable.JudgedAnnotationCount });
        if (progress is not null)
        {
            await work.CompleteIfDoneAsync(stable.BatchId, progress);
        }
    }

    private const string ProgressColumns =
        "requester_id, status, task_count, finalized_count, revision_sum, awaits_stable_labels, stable_revision_sum, judged_annotation_count";

    private sealed record BatchProgress(
        string RequesterId, string Status, int TaskCount, int FinalizedCount, int RevisionSum, bool AwaitsStableLabels,
        int? StableRevisionSum, int? JudgedAnnotationCount);

    /// <summary>
    /// A batch is done when every task is decided and, for a batch consensus revisits (every batch submitted since
    /// revisions exist), consensus has found its labels stable at exactly the revisions the results hold: a revised label
    /// still on its way keeps the batch open.
    /// </summary>
    private static async Task CompleteIfDoneAsync(this UnitOfWork work, Guid batchId, BatchProgress batch)
    {
        var labelsStable = !batch.AwaitsStableLabels || batch.StableRevisionSum == batch.RevisionSum;
        if (batch.FinalizedCount != batch.TaskCount || !labelsStable || batch.Status != BatchStatus.Open)
        {
            return;
        }

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
            JudgedAnnotationCount = batch.JudgedAnnotationCount,
        });
        await work.RecordWebhookAsync(batchId, WebhookEvents.BatchCompleted, new { status = BatchStatus.Completed, batch.TaskCount, completedAt });
    }
}
