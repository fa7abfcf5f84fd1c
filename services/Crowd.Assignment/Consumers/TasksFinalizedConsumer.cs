using Crowd.Contracts.Tasks;
using Crowd.Data;
using Crowd.Data.Messaging;

namespace Crowd.Assignment.Consumers;

/// <summary>
/// A task with a final label takes no more claims. Decisions come as fast as annotations, in bundles (one per consensus
/// transaction), so many are closed at once.
/// </summary>
public sealed class TasksFinalizedConsumer(Database database) : InboxBatchConsumer<TasksFinalized>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, IReadOnlyList<TasksFinalized> messages)
    {
        var finalized = messages.SelectMany(m => m.Tasks).ToList();
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
        await work.ExecuteAsync(close, new { taskIds = finalized.Select(t => t.TaskId).ToArray(), revisions = finalized.Select(t => t.Revision).ToArray() });
    }
}

/// <summary>The batch every consumer of bundles takes (<see cref="BundleConsumerDefinition{TConsumer}"/>).</summary>
public sealed class TasksFinalizedConsumerDefinition : BundleConsumerDefinition<TasksFinalizedConsumer>;
