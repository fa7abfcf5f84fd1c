using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Messaging;

namespace Crowd.Assignment.Consumers;

/// <summary>A task with a final label takes no more claims. Decisions come as fast as annotations, so many are closed at once.</summary>
public sealed class TaskFinalizedConsumer(Database database) : InboxBatchConsumer<TaskFinalized>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<TaskFinalized> messages)
    {
        // Rows locked in task order, so two batches closing overlapping tasks (a redelivery) cannot deadlock.
        const string close = """
            UPDATE pool_tasks t SET status = 'finalized', open_slots = 0
            FROM (SELECT task_id FROM pool_tasks WHERE task_id = ANY(@taskIds) ORDER BY task_id FOR UPDATE) locked
            WHERE t.task_id = locked.task_id
            """;
        await work.ExecuteAsync(close, new { taskIds = messages.Select(m => m.TaskId).Distinct().ToArray() });
    }
}

/// <summary>The batch every per-decision consumer takes (<see cref="BatchConsumerDefinition{TConsumer}"/>).</summary>
public sealed class TaskFinalizedConsumerDefinition : BatchConsumerDefinition<TaskFinalizedConsumer>;
