using System.Text.Json;
using Crowd.Contracts.Annotations;
using Crowd.Contracts.Tasks;
using Crowd.Data;

namespace Crowd.Consensus.Data;

public sealed record TaskState(Guid TaskId, Guid BatchId, string Policy, string Status, string? FinalLabel)
{
    public TaskPolicy ReadPolicy() => JsonSerializer.Deserialize<TaskPolicy>(Policy, JsonSerializerOptions.Web)!;
}

public sealed record StoredAnnotation(Guid AnnotationId, string WorkerId, string Payload, long RewardCents, bool Judged)
{
    /// <summary>The class of a classification annotation (<c>{ "label": "..." }</c>).</summary>
    public string Label => JsonDocument.Parse(Payload).RootElement.GetProperty("label").GetString()!;
}

public static class TaskStore
{
    public const string Collecting = "collecting";
    public const string Escalated = "escalated";
    public const string Finalized = "finalized";

    /// <summary>The task's state, created on its first annotation, locked so its annotations are decided one at a time.</summary>
    public static async Task<TaskState> LockTaskAsync(this UnitOfWork work, Guid taskId, Guid batchId, TaskPolicy policy)
    {
        const string sql = """
            INSERT INTO consensus_tasks (task_id, batch_id, policy) VALUES (@taskId, @batchId, @policy::jsonb)
            ON CONFLICT (task_id) DO NOTHING;
            SELECT task_id, batch_id, policy::text AS policy, status, final_label::text AS final_label
            FROM consensus_tasks WHERE task_id = @taskId FOR UPDATE;
            """;
        return await work.QuerySingleAsync<TaskState>(sql, new { taskId, batchId, policy = JsonSerializer.Serialize(policy, JsonSerializerOptions.Web) });
    }

    public static async Task<TaskState?> LockTaskAsync(this UnitOfWork work, Guid taskId) =>
        await work.QuerySingleOrDefaultAsync<TaskState>("""
            SELECT task_id, batch_id, policy::text AS policy, status, final_label::text AS final_label
            FROM consensus_tasks WHERE task_id = @taskId FOR UPDATE
            """, new { taskId });

    public static async Task<IReadOnlyList<StoredAnnotation>> AnnotationsAsync(this UnitOfWork work, Guid taskId) =>
        (await work.QueryAsync<StoredAnnotation>("""
            SELECT annotation_id, worker_id, payload::text AS payload, reward_cents, judged
            FROM annotations WHERE task_id = @taskId ORDER BY submitted_at, annotation_id
            """, new { taskId })).ToList();

    /// <summary>
    /// Makes <paramref name="label"/> the task's final label, once: announces it (results), closes the task in the pool,
    /// and judges every annotation against it (payment, reliability).
    /// </summary>
    public static async Task FinalizeAsync(
        this UnitOfWork work, TaskState task, bool isGold, JsonElement label, string source, double confidence, double agreement,
        IReadOnlyList<StoredAnnotation> annotations)
    {
        await work.ExecuteAsync("""
            UPDATE consensus_tasks SET status = @Finalized, final_label = @label::jsonb, source = @source, finalized_at = now()
            WHERE task_id = @TaskId
            """, new { Finalized, label = label.GetRawText(), source, task.TaskId });
        work.Publish(new LabelAccepted
        {
            TaskId = task.TaskId,
            BatchId = task.BatchId,
            Label = label,
            Confidence = confidence,
            Agreement = agreement,
            AnnotationCount = annotations.Count,
            Source = source,
            IsGold = isGold,
        });
        work.Publish(new TaskFinalized { TaskId = task.TaskId, BatchId = task.BatchId });
        await work.JudgeAsync(task, label.GetProperty("label").GetString()!, annotations);
    }

    /// <summary>Judges the annotations not judged yet (all of them at finalization; a straggler after it) against the final label.</summary>
    public static async Task JudgeAsync(this UnitOfWork work, TaskState task, string finalLabel, IReadOnlyList<StoredAnnotation> annotations)
    {
        var unjudged = annotations.Where(a => !a.Judged).ToList();
        if (unjudged.Count == 0)
        {
            return;
        }

        await work.ExecuteAsync(
            "UPDATE annotations SET judged = true WHERE annotation_id = ANY(@ids)", new { ids = unjudged.Select(a => a.AnnotationId).ToArray() });
        work.Publish(new AnnotationsJudged
        {
            TaskId = task.TaskId,
            BatchId = task.BatchId,
            Annotations = unjudged.Select(a => new JudgedAnnotation
            {
                AnnotationId = a.AnnotationId,
                WorkerId = a.WorkerId,
                RewardCents = a.RewardCents,
                AgreesWithFinal = a.Label == finalLabel,
            }).ToList(),
        });
    }
}
