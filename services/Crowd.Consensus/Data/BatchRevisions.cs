using System.Text.Json;
using Crowd.Consensus.Domain;
using Crowd.Contracts.Batches;
using Crowd.Contracts.Tasks;
using Crowd.Data;

namespace Crowd.Consensus.Data;

/// <summary>What revisiting a batch reads and writes (README, "Revisions"); the rule itself is <see cref="BatchRevisit"/>.</summary>
public static class BatchRevisions
{
    /// <summary>
    /// Every task of the batch final: decided (by consensus, gold or QA) or excluded. The count is the batch's folded
    /// count plus the changes logged since the last fold (migration 0008): never a walk over the batch's tasks.
    /// </summary>
    private const string AllFinal =
        "o.task_count = o.final_task_count + COALESCE((SELECT sum(c.change) FROM final_task_changes c WHERE c.batch_id = o.batch_id), 0)";

    /// <summary>A batch to revisit: not cancelled, not found stable yet, and either every task final or a suspension asked for it.</summary>
    private const string Due = $"""
        o.stable_at IS NULL AND o.task_count IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM cancelled_batches c WHERE c.batch_id = o.batch_id)
        AND (o.revisit_requested OR {AllFinal})
        """;

    /// <summary>
    /// Adds the logged changes of each batch's final-task count into the batch's row and deletes them, so that the log
    /// holds only what changed since the last fold. Changes of a batch consensus has not heard of yet stay logged.
    /// </summary>
    public static Task FoldFinalTaskCountsAsync(this UnitOfWork work) =>
        work.ExecuteAsync("""
            WITH folded AS (
                DELETE FROM final_task_changes c USING batch_owners o WHERE c.batch_id = o.batch_id RETURNING c.batch_id, c.change),
            changes AS (SELECT batch_id, sum(change)::int AS change FROM folded GROUP BY batch_id)
            UPDATE batch_owners o SET final_task_count = o.final_task_count + changes.change FROM changes WHERE o.batch_id = changes.batch_id
            """);

    public static async Task<IReadOnlyList<Guid>> BatchesDueAsync(this UnitOfWork work) =>
        (await work.QueryAsync<Guid>($"SELECT o.batch_id FROM batch_owners o WHERE {Due} ORDER BY o.batch_id")).ToList();

    /// <summary>Whether the batch is due (<see cref="Due"/>), and whether every task of it is final, asked once its lock is held.</summary>
    public static async Task<(bool Due, bool AllFinal)> RevisitStateAsync(this UnitOfWork work, Guid batchId) =>
        await work.QuerySingleOrDefaultAsync<(bool, bool)>(
            $"SELECT ({Due}) AS due, ({AllFinal}) AS all_final FROM batch_owners o WHERE o.batch_id = @batchId", new { batchId });

    /// <summary>A suspended worker's open batches are revisited without waiting for their last task.</summary>
    public static Task RequestRevisitsAsync(this UnitOfWork work, string suspendedWorkerId) =>
        work.ExecuteAsync("""
            UPDATE batch_owners SET revisit_requested = true
            WHERE stable_at IS NULL AND batch_id IN (
                SELECT DISTINCT t.batch_id FROM annotations a JOIN consensus_tasks t ON t.task_id = a.task_id WHERE a.worker_id = @suspendedWorkerId)
            """, new { suspendedWorkerId });

    public static Task ClearRevisitRequestAsync(this UnitOfWork work, Guid batchId) =>
        work.ExecuteAsync("UPDATE batch_owners SET revisit_requested = false WHERE batch_id = @batchId", new { batchId });

    private sealed record TaskRow(Guid TaskId, string? Decided, string? Prediction);

    private sealed record AnnotationRow(Guid TaskId, string WorkerId, string Payload);

    /// <summary>What revisiting a batch reads: its policy (null for a batch with no task yet), tasks, annotations and model votes.</summary>
    public sealed record RevisitInput(
        TaskPolicy? Policy, IReadOnlyList<RevisitedTask> Tasks, IReadOnlyList<RevisitedAnnotation> Annotations, IReadOnlyList<RevisitedAnnotation> ModelVotes);

    public static async Task<RevisitInput> LoadForRevisitAsync(this UnitOfWork work, Guid batchId)
    {
        var policy = await work.ExecuteScalarAsync<string?>("SELECT policy::text FROM consensus_tasks WHERE batch_id = @batchId LIMIT 1", new { batchId });
        if (policy is null)
        {
            return new RevisitInput(null, [], [], []);
        }

        // Only consensus's own decisions may be disputed: gold answers are known, QA's are a reviewer's word. Each task
        // carries its own model prediction, if any, in its policy.
        var tasks = (await work.QueryAsync<TaskRow>("""
            SELECT task_id,
                   CASE WHEN status = 'finalized' AND source = 'consensus' THEN final_label::text END AS decided,
                   policy->'prediction' AS prediction
            FROM consensus_tasks WHERE batch_id = @batchId ORDER BY task_id
            """, new { batchId })).ToList();
        var annotations = (await work.QueryAsync<AnnotationRow>("""
            SELECT a.task_id, a.worker_id, a.payload::text AS payload
            FROM annotations a JOIN consensus_tasks t ON t.task_id = a.task_id
            WHERE t.batch_id = @batchId
            """, new { batchId })).Select(a => new RevisitedAnnotation(a.TaskId, a.WorkerId, JsonDocument.Parse(a.Payload).RootElement)).ToList();
        var counts = annotations.CountBy(a => a.TaskId).ToDictionary();
        var modelVotes = tasks
            .Select(t => (t.TaskId, Prediction: t.Prediction is null ? null : JsonSerializer.Deserialize<ModelPrediction>(t.Prediction, JsonSerializerOptions.Web)))
            .Where(t => t.Prediction is not null)
            .Select(t => new RevisitedAnnotation(t.TaskId, ModelVoters.Id(t.Prediction!), t.Prediction!.Label))
            .ToList();
        return new RevisitInput(
            JsonSerializer.Deserialize<TaskPolicy>(policy, JsonSerializerOptions.Web)!,
            [.. tasks.Select(t => new RevisitedTask(t.TaskId, t.Decided is null ? null : JsonDocument.Parse(t.Decided).RootElement, counts.GetValueOrDefault(t.TaskId)))],
            annotations,
            modelVotes);
    }

    /// <summary>A disputed task goes back to collecting at its next revision, and the pool reopens it with room up to its budget.</summary>
    public static async Task ReopenAsync(this UnitOfWork work, Guid taskId, Guid batchId, int annotationCount, int budget)
    {
        var revision = await work.ExecuteScalarAsync<int>(
            "UPDATE consensus_tasks SET status = 'collecting', revision = revision + 1 WHERE task_id = @taskId RETURNING revision", new { taskId });
        work.Publish(new MoreAnnotationsRequested { TaskId = taskId, BatchId = batchId, AnnotationCount = annotationCount, Budget = budget, Revision = revision });
    }

    /// <summary>A disputed task without budget left goes to QA at its next revision, the batch's label as the candidate.</summary>
    public static async Task SendToQaAsync(this UnitOfWork work, Guid taskId, JsonElement candidate, int annotationCount)
    {
        await work.ExecuteAsync("UPDATE consensus_tasks SET revision = revision + 1 WHERE task_id = @taskId", new { taskId });
        var task = (await work.LockTaskAsync(taskId))!;
        await work.EscalateAsync(task, candidate, annotationCount);
    }

    /// <summary>Records that the batch's labels are stable and tells slicing (which completes it) what they add up to.</summary>
    public static async Task MarkStableAsync(this UnitOfWork work, Guid batchId)
    {
        var (revisionSum, judged) = await work.QuerySingleAsync<(int RevisionSum, int Judged)>("""
            UPDATE batch_owners SET stable_at = now() WHERE batch_id = @batchId;
            SELECT COALESCE(sum(t.revision) FILTER (WHERE t.status = 'finalized'), 0)::int,
                   (SELECT count(*) FROM annotations a JOIN consensus_tasks j ON j.task_id = a.task_id WHERE j.batch_id = @batchId AND a.judged)::int
            FROM consensus_tasks t WHERE t.batch_id = @batchId
            """, new { batchId });
        work.Publish(new BatchLabelsStable { BatchId = batchId, RevisionSum = revisionSum, JudgedAnnotationCount = judged });
    }
}
