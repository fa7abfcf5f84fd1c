using Crowd.Contracts.Tasks;
using Crowd.Data;
using MassTransit;

namespace Crowd.Assignment.Consumers;

/// <summary>Opens one more slot on a task consensus could not decide yet, never past its <c>redundancy.max</c>.</summary>
public sealed class MoreAnnotationsRequestedConsumer(Database database) : IConsumer<MoreAnnotationsRequested>
{
    public async Task Consume(ConsumeContext<MoreAnnotationsRequested> context)
    {
        await using var work = await database.BeginConsumeAsync(context, nameof(MoreAnnotationsRequestedConsumer));
        if (work is null)
        {
            return;
        }

        const string open = """
            UPDATE pool_tasks SET open_slots = open_slots + 1, slots_opened = slots_opened + 1
            WHERE task_id = @TaskId AND status = 'open' AND slots_opened < redundancy_max
            """;
        await work.ExecuteAsync(open, new { context.Message.TaskId });
        await work.CommitAsync();
    }
}
