using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Slicing.Data;
using MassTransit;
using Crowd.Slicing.Webhooks;

namespace Crowd.Slicing.Consumers;

/// <summary>
/// Notes a task QA excluded, once: it leaves the results, yet counts toward its batch's completion. A task counted
/// before with a label (a revisit disputed it and sent it to QA: README, "Revisions") loses its result instead of being
/// counted again.
/// </summary>
public sealed class TaskExcludedConsumer(Database database) : InboxConsumer<TaskExcluded>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<TaskExcluded> context)
    {
        var excluded = context.Message;
        const string note = """
            INSERT INTO excluded_tasks (task_id, batch_id, annotation_count, note, excluded_at)
            VALUES (@TaskId, @BatchId, @AnnotationCount, @Note, @ExcludedAt)
            ON CONFLICT (task_id) DO NOTHING
            """;
        if (await work.ExecuteAsync(note, new { excluded.TaskId, excluded.BatchId, excluded.AnnotationCount, excluded.Note, excluded.ExcludedAt }) != 1)
        {
            return;
        }

        var labelled = await work.QuerySingleOrDefaultAsync<(int Revision, int AnnotationCount)?>(
            "DELETE FROM results WHERE task_id = @TaskId RETURNING revision, annotation_count", new { excluded.TaskId });
        if (labelled is { } result)
        {
            await work.CountDecidedTasksAsync(excluded.BatchId, [], [new RevisedTask(
                excluded.AnnotationCount - result.AnnotationCount, AgreeingDelta: 0, RevisionDelta: -result.Revision, AcceptedDelta: -1, ExcludedDelta: 1)]);
        }
        else
        {
            await work.CountDecidedTaskAsync(excluded.BatchId, DecidedAs.Excluded, excluded.AnnotationCount);
        }

        await work.RecordItemsFinalAsync(excluded.BatchId, [excluded.TaskId]);
    }
}
