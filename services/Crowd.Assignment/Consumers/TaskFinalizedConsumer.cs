using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>A task with a final label takes no more claims.</summary>
public sealed class TaskFinalizedConsumer(Database database) : IConsumer<TaskFinalized>
{
    public async Task Consume(ConsumeContext<TaskFinalized> context)
    {
        await using var work = await database.BeginConsumeAsync(context, nameof(TaskFinalizedConsumer));
        if (work is null)
        {
            return;
        }

        await work.ExecuteAsync(
            "UPDATE pool_tasks SET status = 'finalized', open_slots = 0 WHERE task_id = @TaskId", new { context.Message.TaskId });
        await work.CommitAsync();
    }
}
