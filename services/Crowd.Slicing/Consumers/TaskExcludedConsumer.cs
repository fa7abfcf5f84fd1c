using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Slicing.Data;
using MassTransit;

namespace Crowd.Slicing.Consumers;

/// <summary>Notes a task QA excluded, once: it never reaches the results, yet counts toward its batch's completion.</summary>
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
        if (await work.ExecuteAsync(note, new { excluded.TaskId, excluded.BatchId, excluded.AnnotationCount, excluded.Note, excluded.ExcludedAt }) == 1)
        {
            await work.CountDecidedTaskAsync(excluded.BatchId, DecidedAs.Excluded, excluded.AnnotationCount);
        }
    }
}
