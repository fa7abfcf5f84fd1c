using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Slicing.Consumers;

/// <summary>Counts the batch's tasks waiting for QA, for the requester's progress view.</summary>
public sealed class TaskEscalatedConsumer(Database database) : IConsumer<TaskEscalated>
{
    public async Task Consume(ConsumeContext<TaskEscalated> context)
    {
        await using var work = await database.BeginConsumeAsync(context, nameof(TaskEscalatedConsumer));
        if (work is null)
        {
            return;
        }

        await work.ExecuteAsync(
            "UPDATE batches SET escalated_count = escalated_count + 1 WHERE batch_id = @BatchId", new { context.Message.BatchId });
        await work.CommitAsync();
    }
}
