using Crowd.Data;

namespace Crowd.Consensus.Data;

/// <summary>
/// A cancelled batch's undecided tasks stop: they will get no final label, so their annotations are judged (paid) as
/// they are, without teaching anyone's reliability, and an escalated one leaves the QA queue.
/// </summary>
public static class Cancellations
{
    /// <summary>
    /// Whether the batch was cancelled, under the batch's shared lock: a cancel being recorded beside this transaction
    /// either is seen here or waits for it and then sees the task this transaction creates.
    /// </summary>
    public static async Task<bool> IsBatchCancelledAsync(this UnitOfWork work, Guid batchId)
    {
        await work.LockBatchAsync(batchId, shared: true);
        return await work.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM cancelled_batches WHERE batch_id = @batchId)", new { batchId });
    }

    /// <summary>Records the cancel and stops every task of the batch that has no final label yet.</summary>
    public static async Task CancelBatchAsync(this UnitOfWork work, Guid batchId, DateTimeOffset cancelledAt)
    {
        await work.LockBatchAsync(batchId);
        await work.ExecuteAsync(
            "INSERT INTO cancelled_batches (batch_id, cancelled_at) VALUES (@batchId, @cancelledAt) ON CONFLICT DO NOTHING",
            new { batchId, cancelledAt = cancelledAt.UtcDateTime });
        // In task order, as one statement, so that two lockers of several tasks cannot deadlock.
        var tasks = (await work.QueryAsync<TaskState>($"""
            SELECT {TaskStore.TaskColumns} FROM consensus_tasks
            WHERE batch_id = @batchId AND status IN (@Collecting, @Escalated)
            ORDER BY task_id FOR UPDATE
            """, new { batchId, TaskStore.Collecting, TaskStore.Escalated })).ToList();
        var annotations = (await work.AnnotationsAsync(tasks.Select(t => t.TaskId).ToArray())).ToLookup(a => a.TaskId);
        foreach (var task in tasks)
        {
            await work.StopTaskAsync(task, annotations[task.TaskId].ToList());
        }
    }

    /// <summary>The task of a cancelled batch stops, and what it has not judged yet (all, or a late annotation) is judged now.</summary>
    public static async Task StopTaskAsync(this UnitOfWork work, TaskState task, IReadOnlyList<StoredAnnotation> annotations)
    {
        await work.ExecuteAsync("""
            UPDATE consensus_tasks SET status = @Cancelled WHERE task_id = @TaskId;
            UPDATE disagreements SET status = @Cancelled WHERE task_id = @TaskId AND status <> 'resolved';
            """, new { TaskStore.Cancelled, task.TaskId });
        // No final label: nothing to agree with, so nobody's reliability learns from it; the work is still paid.
        work.PublishJudged(task, annotations, finalLabel: null);
    }
}
