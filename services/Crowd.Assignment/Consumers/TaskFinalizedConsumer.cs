using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Messaging;

namespace Crowd.Assignment.Consumers;

/// <summary>A task with a final label takes no more claims. Decisions come as fast as annotations, so many are closed at once.</summary>
public sealed class TaskFinalizedConsumer(Database database) : InboxBatchConsumer<TaskFinalized>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<TaskFinalized> messages)
    {
        // Rows locked in task order, so two batches closing overlapping tasks (a redelivery) cannot deadlock. A row reopened
        // at a later revision than the message's (README, "Revisions") stays open.
        const string close = """
            UPDATE pool_tasks t SET status = 'finalized', open_slots = 0
            FROM (SELECT p.task_id, f.revision FROM pool_tasks p
                  JOIN (SELECT task_id, max(revision) AS revision FROM unnest(@taskIds, @revisions) AS f(task_id, revision) GROUP BY task_id) f
                    ON f.task_id = p.task_id
                  ORDER BY p.task_id FOR UPDATE OF p) locked
            WHERE t.task_id = locked.task_id AND t.revision <= locked.revision
            """;
        await work.ExecuteAsync(close, new { taskIds = messages.Select(m => m.TaskId).ToArray(), revisions = messages.Select(m => m.Revision).ToArray() });
    }
}

/// <summary>The batch every per-decision consumer takes (<see cref="BatchConsumerDefinition{TConsumer}"/>).</summary>
public sealed class TaskFinalizedConsumerDefinition : BatchConsumerDefinition<TaskFinalizedConsumer>;
