using Crowd.Consensus.Options;
using Crowd.Contracts.Tasks;
using Crowd.Data;

namespace Crowd.Consensus.Data;

public static class Exclusions
{
    /// <summary>
    /// Decides the task without a final label, once: it leaves the results and counts toward its batch's completion
    /// (<see cref="TaskExcluded"/>), closes in the pool (<see cref="TaskFinalized"/>: assignment needs nothing more), and its
    /// annotations are judged, so they are paid and the batch's escrow can settle, without teaching any reliability.
    /// </summary>
    public static async Task ExcludeAsync(
        this UnitOfWork work, TaskState task, string? note, IReadOnlyList<StoredAnnotation> annotations, ConsensusOptions options)
    {
        await work.ExecuteAsync(
            "UPDATE consensus_tasks SET status = @Excluded, source = 'qa', finalized_at = now() WHERE task_id = @TaskId",
            new { TaskStore.Excluded, task.TaskId });
        work.Publish(new TaskExcluded
        {
            TaskId = task.TaskId, BatchId = task.BatchId, AnnotationCount = annotations.Count, Note = note, ExcludedAt = DateTimeOffset.UtcNow,
        });
        work.AnnounceFinal(task);
        await work.JudgeAsync(task, finalLabel: null, annotations, options);
    }
}
