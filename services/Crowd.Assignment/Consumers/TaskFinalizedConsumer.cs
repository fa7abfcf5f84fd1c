using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>A task with a final label takes no more claims.</summary>
public sealed class TaskFinalizedConsumer(Database database) : InboxConsumer<TaskFinalized>(database)
{
    protected override async Task HandleAsync(UnitOfWork work, ConsumeContext<TaskFinalized> context)
    {
        await work.ExecuteAsync(
            "UPDATE pool_tasks SET status = 'finalized', open_slots = 0 WHERE task_id = @TaskId", new { context.Message.TaskId });
    }
}
